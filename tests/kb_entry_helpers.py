"""Server entries on subjects the shipped topics do not cover, generated for the evaluation and
the benchmark: the kind of thing a coalition's own server answers (meetings, membership, the
newsletter, travel), in English, French and Spanish, so that they share everyday words with
members' questions without answering them."""

from __future__ import annotations

import itertools

from bot.kb.entries import Entry, EntryText

SUBJECTS = {
    "en": ["the monthly members' call", "the regional newsletter", "membership fees",
           "the travel reimbursement form", "the office opening hours", "the volunteer rota",
           "the annual general meeting", "the press contact list", "the shared drive",
           "the translation pool", "the photo archive", "the summer school",
           "the small grants programme", "the logo and visual identity", "the mailing list",
           "the youth caucus", "the Discord server rules", "the onboarding pack",
           "the webinar recordings", "the regional coordinators"],
    "fr": ["l'appel mensuel des membres", "la lettre d'information régionale",
           "les cotisations", "le formulaire de remboursement des frais de voyage",
           "les horaires du bureau", "le planning des bénévoles", "l'assemblée générale annuelle",
           "la liste des contacts presse", "le dossier partagé", "le groupe de traducteurs",
           "les archives photo", "l'université d'été", "le programme de petites subventions",
           "le logo et l'identité visuelle", "la liste de diffusion", "le groupe des jeunes",
           "les règles du serveur Discord", "le kit d'accueil", "les enregistrements des webinaires",
           "les coordinateurs régionaux"],
    "es": ["la llamada mensual de miembros", "el boletín regional", "las cuotas de membresía",
           "el formulario de reembolso de viajes", "el horario de la oficina",
           "el turno de voluntarios", "la asamblea general anual", "la lista de contactos de prensa",
           "la carpeta compartida", "el grupo de traducción", "el archivo de fotos",
           "la escuela de verano", "el programa de pequeñas subvenciones",
           "el logotipo y la identidad visual", "la lista de correo", "el grupo juvenil",
           "las normas del servidor de Discord", "el paquete de bienvenida",
           "las grabaciones de los seminarios web", "los coordinadores regionales"],
}
ASKING = {
    "en": ["How do I sign up for {s}?", "Who is in charge of {s}?", "Where can I find {s}?",
           "When is the deadline for {s}?", "Can observers join {s}?",
           "What changed in {s} this year?", "Who can I contact about {s}?",
           "Is there a schedule for {s}?", "How often is {s} updated?",
           "Where do I send questions about {s}?"],
    "fr": ["Comment m'inscrire à {s} ?", "Qui s'occupe de {s} ?", "Où trouver {s} ?",
           "Quelle est la date limite pour {s} ?", "Les observateurs peuvent-ils rejoindre {s} ?",
           "Qu'est-ce qui a changé cette année pour {s} ?", "Qui contacter au sujet de {s} ?",
           "Y a-t-il un calendrier pour {s} ?", "À quelle fréquence {s} est-il mis à jour ?",
           "Où envoyer mes questions sur {s} ?"],
    "es": ["¿Cómo me inscribo en {s}?", "¿Quién se encarga de {s}?", "¿Dónde encuentro {s}?",
           "¿Cuál es la fecha límite para {s}?", "¿Pueden los observadores unirse a {s}?",
           "¿Qué cambió este año en {s}?", "¿A quién contacto sobre {s}?",
           "¿Hay un calendario para {s}?", "¿Con qué frecuencia se actualiza {s}?",
           "¿Adónde envío preguntas sobre {s}?"],
}
ANSWER = {
    "en": "Write to the secretariat at the address pinned in the welcome channel; the "
          "coordinators answer within a week and post the dates in the announcements channel.",
    "fr": "Écrivez au secrétariat à l'adresse épinglée dans le salon d'accueil ; les "
          "coordinateurs répondent sous une semaine et publient les dates dans les annonces.",
    "es": "Escriba a la secretaría a la dirección fijada en el canal de bienvenida; los "
          "coordinadores responden en una semana y publican las fechas en los anuncios.",
}


def unrelated_questions(count: int) -> list[tuple[str, str]]:
    """(language, question) pairs: every subject asked every way, languages in turn; past 200,
    the same questions in the other two languages (600 at most)."""
    pairs = []
    for shift in range(3):
        for index, (form, subject) in enumerate(itertools.product(range(10), range(20))):
            lang = ("en", "fr", "es")[(index + shift) % 3]
            pairs.append((lang, ASKING[lang][form].format(s=SUBJECTS[lang][subject])))
    return pairs[:count]


def unrelated_entries(count: int, guild_id: int = 1) -> list[Entry]:
    entries = []
    for number, (lang, question) in enumerate(unrelated_questions(count), 1):
        text = EntryText(lang, question, ANSWER[lang], "", "Secretariat memo 2025/1", 1,
                         "2025-01-15T10:00:00Z")
        entries.append(Entry(guild_id, number, lang, 1, "2025-01-15T10:00:00Z", None,
                             {lang: text}))
    return entries
