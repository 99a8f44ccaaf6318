"""The one LLM drafting path: a template's email rewritten by the LLM for one person, or the template itself.

`write(lead, rendered, *, guidance="", instruction="") -> Written` asks the LLM (`leadops.llm.write_email`)
for the paragraphs of `rendered` (the template's email for this lead: its intent and its next step) in the
lead's own situation, in the tone and length `guidance` gives (a sequence step's), following a rep's
`instruction` ("shorter", "mention the webinar"). The pipeline's draft node, `outreach.redrafting` and the
sequence steps all call it. The lead goes to the model as its redacted view (`leads.redaction`), quoted as
data; the model's text keeps the template's greeting and sign-off (`drafting.framed`).

`Written.email` is None when the template must be used instead, and `Written.reason` says why: the LLM is
off, the lead's text reads as instructions to the model, the call failed (`unanswered`: the LLM may answer
later), the text is unusable (`outreach.wording.text_problems`), or the FACT CHECK found a number or proper
noun that none of the inputs holds (`outreach.fact_check`): the lead's fields, its company, the sender's
identity, the template, the guidance and the rep's instruction. The call record carries the reason as its
error, so the trace and the timeline show the fallback.
"""

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from leadops import llm, prompts, untrusted
from leads.countries import NAMES as COUNTRY_NAMES
from leads.models import Lead
from leads.redaction import lead_view
from outreach import mailboxes
from outreach.drafting import RenderedEmail, framed
from outreach.fact_check import unsupported_facts
from outreach.wording import text_problems, without_greeting_or_sign_off

INJECTED = "the lead's text reads like instructions to the AI, so the AI was not asked"
# How long and in what voice when the step gives no guidance: short answers are most of a local model's time.
DEFAULT_GUIDANCE = "plain and friendly, at most 40 words"
_LEAD_TEXT = ("first_name", "last_name", "company_name", "job_title", "industry", "company_size", "country",
              "budget_range", "pain_point", "lead_message", "website", "email")


@dataclass
class Written:
    """What `write` produced: the LLM's email, or None and the reason the template is used instead."""

    email: RenderedEmail | None
    reason: str = ""
    record: llm.CallRecord | None = field(default=None, repr=False)
    prompt_version: str = ""
    # The LLM gave no answer at all (off, down, breaker open, cut off, not JSON): worth asking again later.
    unanswered: bool = False
    # The numbers and names the fact check found in the model's text and not in the inputs.
    unsupported: list[str] = field(default_factory=list)

    @property
    def llm_model(self) -> str:
        return self.record.model if self.record else ""

    def draft_fields(self) -> dict[str, str]:
        """The provenance a draft row written from this result stores (drafting.save_draft / new_draft)."""
        if self.email is None:
            return {"generated_by": "template"}
        return {"generated_by": "llm", "prompt_version": self.prompt_version, "llm_model": self.llm_model}


def _history(lead: Any, memory: Any) -> str:
    """Earlier leads at the lead's company and how they ended, in words ("" when there were none)."""
    if memory is None:
        company_id = getattr(lead, "company_id", None)
        if not company_id or not getattr(lead, "pk", None):
            return ""
        others = Lead.objects.filter(company_id=company_id).exclude(pk=lead.pk)
        earlier, won = others.count(), others.filter(status=Lead.Status.CLOSED_WON).count()
    else:
        earlier, won = memory.earlier_leads, memory.won
    if not earlier:
        return ""
    return f"{earlier} earlier lead(s) at this company, {won} became customers"


def sources(lead: Any, rendered: RenderedEmail, *extra: str) -> list[str]:
    """Everything a draft for this lead may take a number or a name from (the fact check's inputs)."""
    texts = [str(getattr(lead, name, "") or "") for name in _LEAD_TEXT]
    texts.append(COUNTRY_NAMES.get(str(getattr(lead, "country", "") or "").upper(), ""))
    company = getattr(lead, "company", None) if getattr(lead, "company_id", None) else None
    if company is not None:
        profile = company.web_profile or {}
        texts += [company.name, company.domain, company.industry, str(profile.get("description", ""))]
    texts += [mailboxes.signing_name(lead), settings.SENDER_COMPANY_NAME, rendered.subject, rendered.body]
    return texts + list(extra)


def _fallback(reason: str, record: llm.CallRecord | None, prompt: llm.Prompt, **fields: Any) -> Written:
    if record is not None:
        record.error = record.error or reason[:500]
    return Written(email=None, reason=reason, record=record, prompt_version=f"{prompt.name}.{prompt.version}",
                   **fields)


def write(lead: Any, rendered: RenderedEmail, *, guidance: str = "", instruction: str = "",
          web_description: str = "", memory: Any = None) -> Written:
    """The LLM's version of `rendered` for this lead, or the reason to send the template (see the module).

    `lead` is a Lead or anything with its fields (the pipeline's snapshot); `web_description` and `memory`
    (earlier leads at the company: `earlier_leads`, `won`) are what the pipeline already read, and are
    looked up from the lead's company when not given.
    """
    prompt = prompts.latest("email_text")
    if not llm.enabled():
        return _fallback("the LLM is off", None, prompt, unanswered=True)
    if untrusted.injected(*(str(getattr(lead, name, "") or "") for name in _LEAD_TEXT)):
        return _fallback(INJECTED, None, prompt)
    guidance, instruction = guidance.strip()[:200], instruction.strip()[:300]
    history = _history(lead, memory)
    task: dict[str, Any] = {"template": without_greeting_or_sign_off(rendered.body)[:700],
                            "guidance": guidance or DEFAULT_GUIDANCE}
    if instruction:
        task["rep_note"] = instruction
    if history:
        task["company_history"] = history
    try:
        # The lead's view is the assessment's, word for word: the server's prefix cache reuses it.
        result = llm.write_email(prompt, lead_view(lead, web_description=web_description), task)
    except llm.LLMError as error:
        return _fallback(f"the LLM gave no answer: {error}", error.record, prompt, unanswered=True)
    subject, paragraphs = result.value.subject.strip(), without_greeting_or_sign_off(result.value.body)
    email = framed(rendered, subject, paragraphs)
    problems = text_problems(email.subject, email.body, lead=lead)
    if problems:
        return _fallback(f"unusable text: {' '.join(problems)}", result.record, prompt)
    unsupported = unsupported_facts(subject, paragraphs,
                                    sources(lead, rendered, guidance, instruction, history, web_description))
    if unsupported:
        return _fallback(f"fact check: the inputs do not hold {', '.join(unsupported[:5])}", result.record, prompt,
                         unsupported=unsupported)
    return Written(email=email, record=result.record, prompt_version=f"{prompt.name}.{prompt.version}")
