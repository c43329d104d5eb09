"""Stop words and concept groups (acronyms, synonyms, translations) for the topic search.

Written accent-free and lower-case (the analyser folds text the same way). A concept group
makes every phrase in it one index term, on the topic side and the question side alike, so
"UNSC", "CSNU" and "consejo de seguridad" meet, and "who chaired" finds "moderated by".
Groups should stay about one idea each: a loose group makes unrelated topics look alike.
"""

from __future__ import annotations


def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOPWORDS: dict[str, frozenset[str]] = {
    "en": _set("""
        a about above after again against all also am an and any are as at be been before
        being between both but by can could did do does doing done during each else ever
        few for from further get got had has have having he her here hers him his how i if
        in into is it its itself just know let like made make many may me might more most
        much must my no nor not now of off on once only or other our out over own please
        really same say says should show so some such tell than that the their them then
        there these they this those through to too under until up us very want was we were
        what whats when where whether which while who whom whose why will with would you your
        anything something someone explain mean means meant info information thing things
        happen happens happened going go goes according even though although still yet just already
        anyway actually exactly ok okay hi hello hey thanks thank
        s t d ll re ve m
        """),
    "fr": _set("""
        a ai au aux avec avez avoir c d j ca ce cela ces cet cette ceux comment dans de des du
        elle elles en est et etaient etait ete etre eu fait faire il ils je l la le les leur
        leurs lui m ma mais me mes moi mon n ne nos notre nous on ont ou par pas peut peux
        plus pour pourquoi qu quand que quel quelle quelles quels qui quoi s sa sans se ses
        si son sont sur t ta te tes toi ton tous tout toute toutes tu un une vos votre vous
        y sait savoir dire dis explique expliquez signifie veut voudrais quelqu chose ceci
        etc svp merci passe arrive bonjour salut meme encore deja alors donc bien contre
        """),
    "es": _set("""
        a al algo como con cual cuales cuando cuanto cuantos cuantas de del donde e el ella
        ellas ellos en era eran es esa esas ese eso esos esta estan estas este esto estos fue
        fueron ha han hay la las le les lo los me mi mis muy nos o para pero por porque que
        quien quienes se ser si sin sobre son su sus te tiene tienen tu un una unas uno unos
        y ya saber explica explicame significa quiero puedo decir dime cosa favor gracias
        pasa ocurre sucede hola aunque todavia aun entonces contra
        """),
}

# concept name -> phrases (any language). The name becomes the index term "zz<name>".
CONCEPT_GROUPS: dict[str, tuple[str, ...]] = {
    "unsc": ("security council", "conseil de securite", "consejo de seguridad", "unsc",
             "csnu", "csonu", "un security council"),
    "usa": ("united states", "etats unis", "estados unidos", "usa", "eeuu", "washington"),
    "un": ("united nations", "nations unies", "naciones unidas", "onu"),
    "unga": ("general assembly", "assemblee generale", "asamblea general", "unga", "agnu"),
    "au": ("african union", "union africaine", "union africana", "ua"),
    "eu": ("european union", "union europeenne", "union europea", "ue", "eu"),
    "asp": ("assembly of states parties", "assemblee des etats parties",
            "asamblea de los estados partes", "asp", "aep", "assembly of state parties"),
    "rc": ("review conference", "conference de revision", "conferencia de revision",
           "kampala conference", "conference de kampala", "conferencia de kampala"),
    "apic": ("apic", "privileges and immunities", "privileges et immunites",
             "privilegios e inmunidades"),
    "otp": ("otp", "office of the prosecutor", "bureau du procureur", "fiscalia", "bdp",
            "prosecutor", "procureur", "fiscal"),
    # In questions put to this bot "the court" is the ICC.
    "icc": ("icc", "cpi", "international criminal court", "cour penale internationale",
            "corte penal internacional", "court", "cour", "corte"),
    "cicc": ("cicc", "ccpi", "coalition", "coalicion"),
    "ngo": ("ngo", "ngos", "ong", "ongs", "non governmental", "nongovernmental",
            "civil society", "societe civile", "sociedad civil"),
    "ictr": ("ictr", "tpir", "tribunal for rwanda", "rwanda tribunal",
             "tribunal penal international pour le rwanda",
             "tribunal penal internacional para rwanda"),
    "icj": ("icj", "cij", "international court of justice", "cour internationale de justice",
            "corte internacional de justicia"),
    "drc": ("drc", "rdc", "congo"),
    "lra": ("lra", "lord s resistance army", "armee de resistance du seigneur",
            "ejercito de resistencia del senor"),
    "warrant": ("warrant", "mandat d arret", "orden de detencion", "orden de arresto",
                "orden de captura"),
    "arrest": ("arrest", "arrestation", "arreter", "detener", "detencion", "capturar",
               "captura", "apprehend", "apprehension", "detain", "catch", "pick up"),
    # The person not (yet) arrested: near "arrest", but not the same thing.
    "fugitive": ("fugitive", "fugitif", "profugo", "at large", "en fuite", "en libertad"),
    "surrender": ("surrender", "remise", "remettre", "entrega", "entregar", "hand over",
                  "handed over"),
    "chair": ("chair", "chaired", "chairperson", "chairman", "moderator", "moderated",
              "moderate", "preside", "presided", "moderateur", "modere", "moderador",
              "moderado", "presidio", "anime", "dirige"),
    "pledge": ("pledge", "engagement", "promesse", "compromiso", "promesa", "promise"),
    "law": ("legislation", "law", "loi", "ley", "legislacion", "bill", "domestic law",
            "national law", "droit interne", "derecho interno", "implementing"),
    "agreement": ("agreement", "accord", "acuerdo", "arrangement", "arreglo", "convenio"),
    "witness": ("witness", "temoin", "testigo"),
    "relocation": ("relocation", "relocate", "reinstallation", "reinstaller", "reubicacion",
                   "reubicar", "reasentamiento", "relocalisation"),
    "sentence": ("sentence", "imprisonment", "prison", "peine", "emprisonnement", "pena",
                 "condena", "encarcelamiento", "prisoner"),
    "request": ("request", "demande", "requete", "solicitud", "peticion", "pedido"),
    "recommendation": ("recommendation", "recommandation", "recomendacion"),
    "facilitator": ("facilitator", "facilitateur", "facilitatrice", "facilitador",
                    "facilitadora", "co facilitator", "cofacilitator", "co facilitateur",
                    "cofacilitador"),
    "outreach": ("outreach", "sensibilisation", "divulgacion", "difusion", "awareness",
                 "public information", "information du public", "informacion publica"),
    "stocktaking": ("stocktaking", "stock taking", "taking stock", "bilan", "balance",
                    "inventaire", "stock take"),
    "outcome": ("outcome document", "document final", "documento final", "outcome"),
    "focal": ("focal point", "point focal", "points focaux", "punto focal", "puntos focales"),
    "working group": ("working group", "groupe de travail", "grupo de trabajo"),
    "assets": ("asset", "avoir", "bienes", "activos", "proceeds", "produit", "bank account",
               "compte bancaire", "cuenta bancaria"),
    "freeze": ("freeze", "freezing", "frozen", "gel", "geler", "congelacion", "congelar",
               "embargo", "seize", "seizure", "saisie", "incautacion"),
    "noncooperation": ("non cooperation", "noncooperation", "failure to cooperate",
                       "failed to cooperate", "refusal to cooperate", "non cooperacion",
                       "falta de cooperacion", "incumplimiento", "manquement",
                       "defaut de cooperation", "refus de cooperer", "refuse to cooperate",
                       "refuses to cooperate", "refused to cooperate", "not cooperate",
                       "not cooperating", "doesn t cooperate", "don t cooperate",
                       "fails to cooperate", "failing to cooperate", "ne coopere pas",
                       "ne cooperent pas", "refuse de cooperer", "no coopera", "no cooperan",
                       "se niega a cooperar", "non compliance", "not comply", "ignore",
                       "non respect", "incumple", "failed to arrest", "failure to arrest",
                       "fails to arrest", "did not arrest", "does not arrest", "not arrest",
                       "n a pas arrete", "no detuvo", "no detiene", "no detener"),
    "immunity": ("immunity", "immunite", "inmunidad"),
    "bashir": ("bashir", "bechir", "beshir", "al bashir", "el bechir", "omar"),
    "country": ("country", "state", "pays", "etat", "pais", "estado", "government",
                "gouvernement", "gobierno", "nation", "govt"),
    "ngo team": ("team on cooperation", "equipe sur la cooperation",
                 "equipo sobre cooperacion"),
    "side event": ("side event", "evenement parallele", "evento paralelo", "manifestation"
                   " parallele", "actividad paralela"),
    "support": ("support", "soutien", "apoyo", "appui", "backing"),
    "regional": ("regional", "intergovernmental", "intergouvernemental",
                 "intergubernamental", "igo", "oig"),
    "enforcement": ("enforcement", "execution", "ejecucion", "enforce", "executer",
                    "ejecutar"),
    "universality": ("universality", "universalite", "universalidad", "ratification",
                     "ratificacion", "ratify", "ratifier", "ratificar"),
    "agenda": ("agenda item", "point de l ordre du jour", "tema del programa",
               "ordre du jour", "agenda", "standing item"),
    "66": ("66", "sixty six", "soixante six", "sesenta y seis"),
    "witness protection": ("protection programme", "iccpp", "protection program",
                           "programme de protection", "programa de proteccion"),
    "money": ("money", "fund", "funding", "budget", "financial", "fonds",
              "financement", "dinero", "fondos", "financiacion", "presupuesto"),
}
