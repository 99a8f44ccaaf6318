"""outreach.opt_out: a person's own words asking not to be contacted, in the common phrasings and languages."""

import pytest

from outreach.opt_out import asks_not_to_be_contacted, opt_out_phrase

OPT_OUTS = [
    # English
    "Unsubscribe", "UNSUBSCRIBE!", "stop", "Please unsubscribe me.", "How do I unsubscribe?",
    "Please remove me from your list.", "Remove me from your mailing list", "Kindly remove my email from your database",
    "Please take me off your list", "Do not contact me again.", "Don’t contact me", "please do not email us",
    "Never call me again", "Stop emailing me", "Stop emailing!", "stop sending me these emails",
    "Please stop contacting us.", "No more emails please", "I want to opt out", "Opt me out", "Leave me alone",
    "I don't want to receive any more emails", "Not interested, please stop", "Delete my data",
    "Interesting product, but do not contact me again.", "Unsubscribe. We bought another tool.",
    "Nice call yesterday. Unsubscribe me, please.",
    # German
    "Bitte keine E-Mails mehr.", "Ich möchte mich abmelden", "Bitte kontaktieren Sie mich nicht mehr",
    "Bitte entfernen Sie mich aus Ihrem Verteiler", "Löschen Sie meine Daten", "Newsletter abbestellen",
    "Ich möchte nicht mehr kontaktiert werden.", "Schicken Sie mir keine Werbung mehr", "Bitte nicht mehr anrufen",
    # French
    "Ne me contactez plus", "Merci de ne plus m'envoyer d'e-mails", "Je souhaite me désabonner",
    "Désinscrivez-moi s'il vous plaît", "Retirez-moi de votre liste", "Arrêtez de m’écrire",
    "Je ne souhaite pas être contacté", "Supprimez mes données", "Je ne veux plus recevoir vos messages",
    # Spanish
    "No me contacten más", "Quiero darme de baja", "Por favor, dejen de enviarme correos",
    "Elimínenme de su lista", "No quiero recibir más correos", "Cancelar la suscripción", "No más correos",
    "Sáquenme de la lista por favor",
    # Italian, Dutch, Portuguese
    "Non contattatemi più", "Cancellatemi dalla lista", "Graag uitschrijven", "Geen e-mails meer",
    "Não me contate mais",
]
NOT_OPT_OUTS = [
    "Email is best; please do not call.",
    "We want fewer people to unsubscribe from our newsletters",
    "Our unsubscribe rate doubled last quarter; we need better targeting.",
    "We want to stop emailing spreadsheets around and need a CRM.",
    "Please remove the duplicates from our CRM export before the demo.",
    "Stop losing leads: we need routing this quarter.", "We had to stop. Routing takes days.",
    "Can you send pricing? Do not hesitate to call me.",
    "Customers should be able to opt out of tracking in our app.",
    "Wir möchten unsere Kunden nicht mehr per Excel verwalten.",
    "Nous voulons plus d'automatisation dans nos relances.",
    "Necesitamos una demo; la baja conversión es un problema.",
    "",
]


@pytest.mark.parametrize("text", OPT_OUTS)
def test_a_request_not_to_be_contacted_is_recognised(text):
    assert asks_not_to_be_contacted(text), text
    assert opt_out_phrase(text)


@pytest.mark.parametrize("text", NOT_OPT_OUTS)
def test_a_lead_describing_its_own_business_is_not_taken_for_an_opt_out(text):
    assert not asks_not_to_be_contacted(text), opt_out_phrase(text)


def test_it_reads_only_the_start_of_a_huge_text_and_still_finds_an_opt_out_there():
    assert asks_not_to_be_contacted("Remove me from your list. " + "word " * 200_000)
