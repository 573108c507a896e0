"""What a field does follows from its kind, never from its name."""

from __future__ import annotations

from types import SimpleNamespace

from pingan.fields import KINDS, letter_field, skill_field


def test_letters_go_to_the_first_field_of_an_e_mail_kind_whatever_its_name():
    contact = SimpleNamespace(name="contact", kind=KINDS["email"])
    named_email = SimpleNamespace(name="email", kind=KINDS["text"])
    second = SimpleNamespace(name="work_email", kind=KINDS["email"])
    assert letter_field([named_email, contact, second]) == "contact"
    assert letter_field([named_email]) is None
    assert letter_field([]) is None


def test_only_the_e_mail_kind_is_written_to():
    assert [kind.name for kind in KINDS.values() if kind.letter_address] == ["email"]


def test_a_record_keeps_as_a_skill_the_first_field_of_the_skills_kind_whatever_its_name():
    strengths = SimpleNamespace(name="strengths", kind=KINDS["skills"])
    named_specialty = SimpleNamespace(name="specialty", kind=KINDS["long_text"])
    assert skill_field([named_specialty, strengths]) == "strengths"
    assert skill_field([named_specialty]) is None
    assert [kind.name for kind in KINDS.values() if kind.record_skill] == ["skills"]
