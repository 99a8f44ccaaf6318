"""The form renderer draws each distinct widget once per process, and draws exactly what Django's would."""

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from console.forms import LeadEditForm, NoteForm
from console.widget_cache import RememberingTemplates, lead_form_renderer


class Sample(forms.Form):
    name = forms.CharField(required=False, max_length=40)
    size = forms.ChoiceField(choices=[("", "—"), ("1-10", "1-10"), ("11-50", "11-50")], required=False)
    count = forms.IntegerField(required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


def _drawn(renderer: object, **initial: object) -> list[str]:
    form = Sample(initial=initial, renderer=renderer)
    return [str(form[name]) for name in form.fields]


def test_it_draws_the_same_html_as_djangos_renderer():
    for initial in ({}, {"name": "Ada <b>", "size": "11-50", "count": 3, "notes": "a\nb"}, {"count": True}):
        assert _drawn(RememberingTemplates(), **initial) == _drawn(DjangoTemplates(), **initial)


def test_a_second_drawing_of_the_same_widget_comes_from_memory():
    renderer = RememberingTemplates()
    first = _drawn(renderer, name="Ada", size="1-10")
    hits = renderer._draw.cache_info().hits
    assert _drawn(renderer, name="Ada", size="1-10") == first
    assert renderer._draw.cache_info().hits == hits + len(first)


def test_values_that_compare_equal_but_draw_differently_are_kept_apart():
    renderer = RememberingTemplates()
    assert 'value="1"' in _drawn(renderer, count=1)[2]
    assert 'value="True"' in _drawn(renderer, count=True)[2]
    assert 'value="1.0"' in _drawn(renderer, count=1.0)[2]


def test_a_context_with_anything_but_plain_values_is_drawn_every_time():
    renderer = RememberingTemplates()
    drawn = _drawn(renderer, name=mark_safe("<b>Ada</b>"))
    assert drawn == _drawn(DjangoTemplates(), name=mark_safe("<b>Ada</b>"))
    assert renderer._draw.cache_info().currsize == len(drawn) - 1


def test_the_lead_forms_remember_their_widgets_and_other_forms_do_not():
    assert isinstance(LeadEditForm.default_renderer, RememberingTemplates)
    assert not isinstance(NoteForm().renderer, RememberingTemplates)


def test_on_a_django_release_it_was_not_checked_against_the_lead_forms_draw_with_djangos_renderer(monkeypatch):
    monkeypatch.setattr("console.widget_cache.CHECKED_DJANGO", ((4, 0),))
    renderer = lead_form_renderer()
    assert type(renderer) is DjangoTemplates
