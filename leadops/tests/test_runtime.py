import pytest
from django.core.exceptions import ValidationError

from leadops import runtime
from leadops.models import SettingChange


def test_a_setting_falls_back_to_the_environment_default(db, settings):
    settings.SEND_PER_DAY = 1234
    assert runtime.get("SEND_PER_DAY") == 1234


def test_an_override_wins_and_every_change_is_logged(db, manager):
    changed = runtime.update({"SEND_PER_DAY": "1500", "SEND_WINDOW_HOURS": "9:00-17:30"}, user=manager)
    assert sorted(changed) == ["SEND_PER_DAY", "SEND_WINDOW_HOURS"]
    assert runtime.get("SEND_PER_DAY") == 1500
    assert runtime.get("SEND_WINDOW_HOURS") == "09:00-17:30"
    change = SettingChange.objects.get(key="SEND_PER_DAY")
    assert (change.old_value, change.new_value, change.changed_by) == (2000, 1500, manager)


def test_saving_the_same_value_logs_nothing(db):
    runtime.update({"EMAIL_MODE": "mock"})
    assert not SettingChange.objects.exists()


def test_bad_values_are_refused_naming_each_field(db):
    with pytest.raises(ValidationError) as error:
        runtime.update({"SEND_PER_DAY": "-3", "SEND_TIMEZONE": "Mars/Olympus", "SEND_WINDOW_HOURS": "18:00-08:00"})
    messages = error.value.message_dict
    assert set(messages) == {"SEND_PER_DAY", "SEND_TIMEZONE", "SEND_WINDOW_HOURS"}
    assert "Mars/Olympus" in messages["SEND_TIMEZONE"][0]
    assert runtime.get("SEND_PER_DAY") == 2000


def test_unknown_settings_cannot_be_changed(db):
    with pytest.raises(ValidationError):
        runtime.update({"SECRET_KEY": "x"})
    with pytest.raises(KeyError):
        runtime.get("SECRET_KEY")
