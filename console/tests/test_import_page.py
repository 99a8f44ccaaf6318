"""The import page: upload, preview and mapping, a job with live progress, the error CSV."""

from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from leads.importing import jobs
from leads.importing.run import ImportOptions
from leads.models import ImportJob, Lead

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "csv"
pytestmark = pytest.mark.usefixtures("import_media", "no_qualification")


def upload(client, name: str, **fields):
    with open(CORPUS / name, "rb") as file:
        data = {"file": SimpleUploadedFile(name, file.read()), "source": "event", "on_duplicate": "skip", **fields}
    return client.post(reverse("leads:import"), data)


def uploaded_job(client, name: str) -> ImportJob:
    response = upload(client, name)
    assert response.status_code == 302
    return ImportJob.objects.get()


def test_the_upload_page_needs_login(client, db):
    response = client.get(reverse("leads:import"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_people_without_a_role_are_refused(outsider_client):
    assert outsider_client.get(reverse("leads:import")).status_code == 403
    assert upload(outsider_client, "utf8.csv").status_code == 403
    assert not ImportJob.objects.exists()


def test_uploading_a_csv_leads_to_a_preview_of_what_was_detected(rep_client):
    job = uploaded_job(rep_client, "cp1252.csv")
    assert job.status == ImportJob.Status.PENDING and job.source == "event"
    page = rep_client.get(reverse("leads:import_preview", args=[job.pk])).content.decode()
    assert "cp1252" in page and "semicolon" in page
    assert "Jürgen" in page and "Strauß" in page  # the first rows, decoded
    assert '<option value="first_name" selected>' in page  # Vorname -> first name, suggested
    assert not Lead.objects.exists()  # nothing is imported before the user starts it


def test_an_unusable_file_is_refused_on_the_upload_page(rep_client):
    response = upload(rep_client, "image.png")
    assert response.status_code == 200
    assert "looks like a PNG image, not a CSV file" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_columns_nobody_recognised_are_mapped_by_hand_on_the_preview(
    rep_client, django_capture_on_commit_callbacks,
):
    job = uploaded_job(rep_client, "unusable_header.csv")  # colour, score, visits: no email, id or name
    page = rep_client.get(reverse("leads:import_preview", args=[job.pk]))
    assert "None of the columns was recognised" in page.content.decode()
    form = page.context["form"]
    data = {name: form[name].initial for name in form.fields}
    refused = rep_client.post(reverse("leads:import_preview", args=[job.pk]), data)
    assert "Map at least one column to Email, Id" in refused.content.decode()
    data["column_0"] = "external_id"  # the user says colour tells the rows apart
    with django_capture_on_commit_callbacks(execute=True):
        rep_client.post(reverse("leads:import_preview", args=[job.pk]), data)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.created == Lead.objects.count() > 0
    assert set(Lead.objects.values_list("external_id", flat=True)) >= {"blue", "red"}


def test_a_file_without_a_header_row_is_still_refused_on_the_upload_page(rep_client):
    response = upload(rep_client, "no_header.csv")
    assert "has no header row" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_file_over_the_size_limit_is_refused(rep_client, settings):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("big.csv", b"Email\n" + b"someone@northwind-traders.com\n" * 40_000)
    response = rep_client.post(reverse("leads:import"), {"file": big, "source": "import", "on_duplicate": "skip"})
    assert "files up to 1 MB can be imported" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_starting_runs_the_job_with_the_mapping_the_user_chose(rep_client, django_capture_on_commit_callbacks):
    job = uploaded_job(rep_client, "synonyms.csv")
    preview = rep_client.get(reverse("leads:import_preview", args=[job.pk]))
    form = preview.context["form"]
    data = {name: form[name].initial for name in form.fields}
    colour = next(name for name in form.fields if form.fields[name].label == "Favourite Colour")
    data[colour] = ""  # ignore it
    with django_capture_on_commit_callbacks(execute=True):
        response = rep_client.post(reverse("leads:import_preview", args=[job.pk]), data)
    assert response.status_code == 302 and response["Location"] == reverse("leads:import_job", args=[job.pk])
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.created == 1
    lead = Lead.objects.get()
    assert (lead.first_name, lead.company_name, lead.attributes) == ("Hana", "Kumo Systems", {})


def test_the_mapping_cannot_send_two_columns_to_one_field(rep_client):
    job = uploaded_job(rep_client, "utf8.csv")
    form = rep_client.get(reverse("leads:import_preview", args=[job.pk])).context["form"]
    data = {name: form[name].initial for name in form.fields}
    data["column_1"] = data["column_2"] = "last_name"
    response = rep_client.post(reverse("leads:import_preview", args=[job.pk]), data)
    assert "Last name is chosen for more than one column (First Name, Last Name)" in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PENDING


def run_job_for(user, name: str) -> ImportJob:
    return jobs.run_job(jobs.create_command_job(CORPUS / name, ImportOptions(actor=user)).pk)


def test_the_job_page_shows_the_accounting_errors_and_the_error_csv_link(rep_client, rep):
    job = run_job_for(rep, "bad_rows.csv")
    page = rep_client.get(reverse("leads:import_job", args=[job.pk])).content.decode()
    assert "6 rows = 2 created + 0 updated + 0 unchanged + 0 duplicates in the file + 4 invalid" in page
    assert "Country &#x27;Atlantis&#x27; is not a country we recognise" in page
    assert reverse("leads:import_errors", args=[job.pk]) in page
    assert 'hx-trigger="every 500ms"' not in page  # finished: no more polling


def test_a_running_job_polls_and_htmx_gets_only_the_progress_partial(rep_client, rep, htmx_headers):
    job = jobs.create_command_job(CORPUS / "utf8.csv", ImportOptions(actor=rep))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, file_size=1000, bytes_read=400,
                                               rows=3)
    response = rep_client.get(reverse("leads:import_job", args=[job.pk]), **htmx_headers)
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="job-progress"') and "<html" not in html
    assert 'hx-trigger="every 500ms"' in html and 'aria-valuenow="40"' in html
    assert f'href="{reverse("leads:import_job", args=[job.pk])}"' in html  # refresh works without JavaScript


def test_the_error_csv_downloads_every_invalid_row(rep_client, rep):
    job = run_job_for(rep, "bad_rows.csv")
    response = rep_client.get(reverse("leads:import_errors", args=[job.pk]))
    assert response.status_code == 200 and 'filename="bad_rows-errors.csv"' in response["Content-Disposition"]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf") and not raw.startswith(b"\xef\xbb\xbf" * 2)  # one BOM, for Excel
    body = raw.decode("utf-8-sig")
    assert body.splitlines()[0].startswith("row,column,value,message,Email")
    assert len(body.strip().splitlines()) == 6


def test_a_job_without_invalid_rows_has_no_error_csv(rep_client, rep):
    job = run_job_for(rep, "utf8.csv")
    assert rep_client.get(reverse("leads:import_errors", args=[job.pk])).status_code == 404


def test_reps_see_their_own_imports_and_managers_see_all(rep_client, manager_client, manager):
    job = run_job_for(manager, "utf8.csv")
    assert rep_client.get(reverse("leads:import_job", args=[job.pk])).status_code == 404
    assert manager_client.get(reverse("leads:import_job", args=[job.pk])).status_code == 200
    assert job.original_name in manager_client.get(reverse("leads:import")).content.decode()


def test_uploads_are_rate_limited(rep_client, settings):
    settings.UPLOAD_RATE_LIMIT = "2/h"
    assert upload(rep_client, "utf8.csv").status_code == 302
    assert upload(rep_client, "utf8.csv").status_code == 302
    assert upload(rep_client, "utf8.csv").status_code == 429


def test_two_columns_with_the_same_name_both_reach_the_lead(rep_client, django_capture_on_commit_callbacks):
    # CRM exports repeat headers ("Phone" for office and mobile). Mapped by name, the second column used to
    # overwrite the first: the first column's values were lost, and mapping it to Email had no effect.
    content = b"Email,Phone,Phone,,\nada@acme-industries.com,+44 20 7946 0000,+44 7700 900123,Enterprise,VIP\n"
    rep_client.post(reverse("leads:import"), {"file": SimpleUploadedFile("crm.csv", content), "source": "event",
                                              "on_duplicate": "skip"})
    job = ImportJob.objects.get()
    page = rep_client.get(reverse("leads:import_preview", args=[job.pk]))
    form = page.context["form"]
    assert [field.label for field in form.column_fields()] == ["Email", "Phone", "Phone (2)", "Column 4", "Column 5"]
    data = {name: form[name].initial for name in form.fields}

    with django_capture_on_commit_callbacks(execute=True):
        rep_client.post(reverse("leads:import_preview", args=[job.pk]), data)

    lead = Lead.objects.get()
    assert lead.email == "ada@acme-industries.com"
    assert lead.phone == "+44 20 7946 0000"
    assert lead.attributes == {"Phone (2)": "+44 7700 900123", "Column 4": "Enterprise", "Column 5": "VIP"}


def test_the_recent_imports_table_scrolls_inside_its_card_on_a_phone(rep_client, rep):
    ImportJob.objects.create(original_name="leads.csv", created_by=rep, status=ImportJob.Status.DONE)
    html = rep_client.get(reverse("leads:import")).content.decode()
    assert '<div class="table-scroll" tabindex="0" role="region" aria-label="Recent imports">\n  <table>' in html


def upload_bytes(client, name: str, content: bytes):
    data = {"file": SimpleUploadedFile(name, content), "source": "event", "on_duplicate": "skip"}
    return client.post(reverse("leads:import"), data)


def start(client, job: ImportJob, django_capture_on_commit_callbacks, urlencoded: bool = False, **changes: str):
    """Post the preview's mapping as the browser would: every select as shown, with `changes`."""
    preview = client.get(reverse("leads:import_preview", args=[job.pk]))
    assert preview.status_code == 200
    form = preview.context["form"]
    data = {name: form[name].initial for name in form.fields} | changes
    with django_capture_on_commit_callbacks(execute=True):
        if urlencoded:  # as a browser sends this form; the test client's default is multipart
            return client.post(reverse("leads:import_preview", args=[job.pk]), urlencode(data),
                               content_type="application/x-www-form-urlencoded")
        return client.post(reverse("leads:import_preview", args=[job.pk]), data)


@pytest.mark.parametrize("newline", [b"\r", b"\r\n\n\r"])
def test_an_old_mac_export_or_a_file_of_mixed_line_ends_is_previewed_and_imported(
    rep_client, django_capture_on_commit_callbacks, newline
):
    rows = [b"Email,First Name,Company", b"ada@acme.com,Ada,Acme", b"bo@beta.com,Bo,Beta"]
    response = upload_bytes(rep_client, "mac.csv", newline.join(rows) + newline)
    assert response.status_code == 302
    job = ImportJob.objects.get()
    preview = rep_client.get(reverse("leads:import_preview", args=[job.pk]))
    assert preview.status_code == 200 and preview.context["shape"].sample_rows[1] == ["bo@beta.com", "Bo", "Beta"]
    assert start(rep_client, job, django_capture_on_commit_callbacks).status_code == 302
    job.refresh_from_db()
    assert (job.status, job.created, job.invalid) == (ImportJob.Status.DONE, 2, 0)


@pytest.mark.parametrize("urlencoded", [True, False])
def test_a_file_of_five_thousand_columns_is_mapped_and_imported_from_the_page(
    rep_client, django_capture_on_commit_callbacks, urlencoded
):
    header = ["Email", "First Name", *(f"Answer {n}" for n in range(4_998))]
    values = ["ada@acme.com", "Ada", *(str(n) for n in range(4_998))]
    response = upload_bytes(rep_client, "survey.csv", (",".join(header) + "\n" + ",".join(values) + "\n").encode())
    assert response.status_code == 302
    job = ImportJob.objects.get()
    response = start(rep_client, job, django_capture_on_commit_callbacks, urlencoded, column_9="")  # "Answer 7"
    assert response.status_code == 302 and response["Location"] == reverse("leads:import_job", args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.created) == (ImportJob.Status.DONE, 1)
    lead = Lead.objects.get()
    assert len(lead.attributes) == 4_997 and lead.attributes["Answer 4997"] == "4997"
    assert "Answer 7" not in lead.attributes


def test_the_mapping_post_still_needs_its_csrf_token(rep, django_capture_on_commit_callbacks):
    client = Client(enforce_csrf_checks=True)
    client.force_login(rep)
    with open(CORPUS / "synonyms.csv", "rb") as file:
        content = file.read()
    page = client.get(reverse("leads:import"))
    token = page.context["csrf_token"]
    response = client.post(reverse("leads:import"), {"file": SimpleUploadedFile("synonyms.csv", content),
                                                     "source": "event", "on_duplicate": "skip",
                                                     "csrfmiddlewaretoken": str(token)})
    job = ImportJob.objects.get()
    form = client.get(reverse("leads:import_preview", args=[job.pk])).context["form"]
    data = {name: form[name].initial for name in form.fields}
    assert client.post(reverse("leads:import_preview", args=[job.pk]), data).status_code == 403
    response = client.post(reverse("leads:import_preview", args=[job.pk]),
                           data | {"csrfmiddlewaretoken": str(token)})
    assert response.status_code == 302
