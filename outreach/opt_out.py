"""Does a person's own text ask not to be contacted? One home for the phrases, in several languages.

The qualification pipeline reads a lead's message with it (an opt-out is suppressed and disqualified,
never asked a question or emailed) and reply classification reads replies with it. Phrases are in
English, German, French and Spanish, with Italian, Dutch and Portuguese basics. Text is compared
without letter case, accents or curly apostrophes ("Löschen" = "loschen", "don’t" = "don't").

The phrases name the writer ("remove me", "stop emailing me", "ne me contactez plus") or stand alone
("Unsubscribe", "STOP"), so that a lead describing its own business ("we want fewer people to
unsubscribe from our newsletters", "stop emailing spreadsheets around") is not taken for an opt-out.
"""

import re
import unicodedata

_ME = r"(?:me|us)"
_ADDRESS = r"(?:my|our) (?:e-?mail(?: address)?|address|name|details|contact details|data)"
_CHANNEL = r"(?:e-?mails?|mails|messages|newsletters?|calls|spam|contact)"
_STOP_VERB = (r"(?:e-?mailing|mailing|contacting|calling|messaging|texting|spamming|bothering|pestering|"
              r"writing to|sending)")
_END = r"\s*(?:[.!;]|$|,? (?:please|thanks|thank you|now|immediately))"

_PHRASES = [
    # --- The whole message is the request ----------------------------------------------------------
    r"^\W*(?:please\W+)?(?:unsubscribe|opt[ -]?out|stop|remove(?: me)?|stop all|do not contact|don't contact|"
    r"abmelden|desinscription|desabonnement|baja|darse de baja|uitschrijven|descadastrar)\W*$",
    # A sentence of its own: "Unsubscribe. We bought another tool.", "Great demo. Stop, please."
    r"(?:^|[.!?]\s)\W*(?:please\W+)?(?:unsubscribe(?: me| us)?|opt (?:me |us )?out|remove me|stop)"
    r"\s*(?:[.!;]|$|,? please)",
    # --- English ------------------------------------------------------------------------------------
    rf"\bunsubscribe {_ME}\b",
    r"\b(?:please|pls|kindly) unsubscribe\b",
    r"\b(?:i|we)(?:'d| would| want| wish| need| am trying| have tried| tried)?(?: like)? to unsubscribe\b",
    r"\bhow (?:do|can) (?:i|we) unsubscribe\b",
    r"\bunsubscribe (?:me |us )?from (?:your|this|these|the|all|any)\b",
    rf"\bremove (?:{_ME}|{_ADDRESS}|this (?:e-?mail )?address)\b",
    r"\bremove\b[^.!?\n]{0,40}\bfrom (?:your|this|all your) (?:mailing |e-?mail |contact |distribution )?"
    r"(?:list|database|system|crm|newsletter)s?\b",
    r"\bremove\b[^.!?\n]{0,40}\bfrom the (?:mailing|e-?mail|contact|distribution) lists?\b",
    rf"\btake (?:{_ME}|{_ADDRESS}) off\b",
    rf"\b(?:do not|don't|dont|never|please don't|please do not) (?:ever )?(?:contact|e-?mail|mail|call|message|"
    rf"text|write to|reach out to|spam|bother|send)(?: {_ME}| anything to {_ME})\b",
    rf"\b(?:do not|don't|dont) (?:want|wish) (?:to (?:be contacted|be emailed|receive|get|hear)|any (?:more |further )?"
    rf"{_CHANNEL})",
    rf"\bstop {_STOP_VERB} {_ME}\b",
    rf"\bstop {_STOP_VERB}{_END}",
    rf"\bstop (?:all|the|these|your) {_CHANNEL}\b",
    rf"\bno (?:more|further) {_CHANNEL}\b",
    rf"\bopt {_ME} out\b",
    r"\b(?:i|we)\b[^.!?\n]{0,25}\bopt(?:ed|ing)?[ -]?out\b",
    rf"\bleave {_ME} alone\b",
    r"\bnot interested,? (?:please )?stop\b",
    r"\b(?:delete|erase) (?:all )?(?:my|our) (?:personal )?(?:data|details|information|contact details|e-?mail)\b",
    # --- German (umlauts read as plain letters: "loschen", "belastigen") -------------------------------
    r"\b(?:abmelden|abbestellen|abmeldung)\b",
    r"\b(?:austragen|entfernen|loschen|loeschen|streichen|nehmen)(?: sie| ihr)? (?:mich|uns)\b",
    r"\b(?:mich|uns|meine (?:e-?mail-?adresse|adresse|daten|kontaktdaten|e-?mail))\b[^.!?\n]{0,60}"
    r"\b(?:austragen|entfernen|loschen|loeschen|streichen)\b",
    r"\b(?:loschen|loeschen|entfernen)(?: sie| ihr)? (?:meine|unsere) (?:daten|e-?mail-?adresse|adresse|"
    r"kontaktdaten)\b",
    r"\b(?:aus|von) (?:ihrem|ihrer|eurem|eurer|diesem|dieser) (?:e-?mail-?)?"
    r"(?:verteiler|liste|mailingliste|newsletter|datenbank)\b",
    r"\b(?:aus|von) (?:dem|der) (?:e-?mail-?)?(?:verteiler|mailingliste|newsletter)\b",
    r"\bkeine (?:weiteren|weitere) (?:e-?mails|mails|nachrichten|werbung|kontaktaufnahmen?|anrufe|newsletter)\b",
    r"\bkeine (?:e-?mails|mails|nachrichten|werbung|kontaktaufnahmen?|anrufe|newsletter) mehr\b",
    r"\bbitte keine (?:e-?mails|mails|nachrichten|werbung|kontaktaufnahmen?|anrufe|newsletter)\b",
    r"\b(?:kontaktieren|kontaktiert|schreiben|schreibt|mailen|anrufen|rufen|senden|schicken)(?: sie| ihr)? "
    r"(?:mir|mich|uns)(?: bitte)?(?: keine [\w-]+)? (?:nicht|nie) ?(?:mehr|wieder)?\b",
    r"\b(?:mich|uns) (?:bitte )?(?:nicht|nie) (?:mehr |wieder )?(?:kontaktieren|anschreiben|anrufen|anmailen|mailen|"
    r"e-?mailen|schreiben|belastigen|belaestigen)\b",
    r"\bnicht mehr (?:kontaktieren|kontaktiert werden|anschreiben|anrufen|mailen|e-?mailen|belastigen|belaestigen)\b",
    r"\b(?:ich|wir) widersprechen?\b",
    # --- French (accents read as plain letters: "desabonner", "arretez") -----------------------------
    r"\b(?:me|nous|se) des(?:abonner|inscrire)\b",
    r"\bdes(?:abonnez|inscrivez)[- ](?:moi|nous)\b",
    r"\bne (?:me |m'|nous )(?:re)?(?:contact|appel|ecri|envoy|sollicit|relanc|derang)\w*(?: plus| pas| jamais)\b",
    r"\bne plus (?:me |m'|nous )?(?:re)?(?:contact|appel|ecri|envoy|sollicit|relanc|derang)\w*",
    r"\bne plus (?:recevoir|etre (?:re)?contacte)",
    r"\b(?:retirez|supprimez|enlevez|rayez|effacez)[- ](?:moi|nous)\b",
    r"\b(?:retire[rz]|supprime[rz]|enleve[rz]|efface[rz]) (?:mon adresse|mes donnees|mon e-?mail|mes coordonnees|"
    r"mon nom)\b",
    r"\barretez de (?:me |m'|nous )",
    r"\bne (?:souhaite|veux|desire|voudrais|souhaitons|voulons) plus\b",
    r"\bne (?:souhaite|veux|desire|voudrais|souhaitons|voulons) pas (?:etre (?:re)?contacte|recevoir)",
    # --- Spanish (accents read as plain letters: "mas", "suscripcion") -------------------------------
    r"\b(?:dar|darme|darnos|darse|den|deme|dame|denme)(?: de)? baja\b",
    r"\bbaja (?:de|en) (?:la|su|vuestra|esta|tu) lista\b",
    r"\bno (?:me|nos) (?:vuelvan a |vuelva a |vuelvas a )?(?:contact|escrib|llam|envi|mand|molest)"
    r"(?:en|e|es|an|a|as|ar|ir)\b",
    r"\b(?:dejen|deje|deja|dejad) de (?:escribir|enviar|mandar|contactar|llamar|molestar)(?:me|nos)?\b",
    r"\b(?:elimin|borr|saqu|sac|quit|retir)\w*(?:me|nos) de (?:la|su|sus|vuestra|tu|esta) (?:lista|base)",
    r"\b(?:eliminen|elimine|borren|borre|quiten|quite|retiren) mis? (?:correo|email|e-?mail|direccion|nombre|datos)",
    r"\b(?:eliminar|borrar|quitar|sacar)(?:me|nos)? de (?:la|su|sus|vuestra|tu|esta) (?:lista|base)",
    r"\bno (?:quiero|deseo|queremos|deseamos) (?:recibir|que me (?:contacten|escriban|llamen)|mas)\b",
    r"\b(?:cancelar|anular) (?:la |mi )?suscripcion\b",
    r"\bdesuscrib\w*",
    r"\bno mas (?:correos|emails|e-?mails|mensajes|llamadas)\b",
    # --- Italian, Dutch, Portuguese ---------------------------------------------------------------------
    r"\b(?:non (?:contattatemi|contattarmi|scrivetemi|scrivermi|chiamatemi)|cancellatemi|disiscriv\w*|"
    r"rimuovetemi|toglietemi)\b",
    r"\bnon voglio (?:piu )?ricevere\b",
    r"\b(?:uitschrijven|afmelden)\b",
    r"\b(?:geen|niet) (?:e-?mails|mails|berichten) meer\b",
    r"\bniet meer (?:contacteren|mailen|benaderen|bellen)\b",
    r"\b(?:descadastr\w*|nao (?:me )?(?:contate|contatem|contacte|contactem|envie|enviem|ligue|liguem))\b",
]
_PATTERN = re.compile("|".join(f"(?:{phrase})" for phrase in _PHRASES), re.MULTILINE)
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})


def _plain(text: str) -> str:
    """Lower case without accents, one kind of apostrophe and single spaces, line breaks kept."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES).casefold())
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return "\n".join(" ".join(line.split()) for line in stripped.splitlines())


def opt_out_phrase(text: str) -> str:
    """The words that ask not to be contacted, as found in the plain text; "" when there are none."""
    if not text:
        return ""
    match = _PATTERN.search(_plain(text[:20_000]))
    return match.group(0).strip() if match else ""


def asks_not_to_be_contacted(text: str) -> bool:
    return bool(opt_out_phrase(text))
