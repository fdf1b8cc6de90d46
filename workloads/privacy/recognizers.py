"""The recognizers: Presidio's own where it has one, custom ones only for what it lacks.

From Presidio: e-mail (with an offline public-suffix list), phone numbers (phonenumbers), credit cards
(Luhn), IBANs (mod-97), IPv4 and IPv6, US SSNs, and persons from spaCy's NER. Custom, with context:
street addresses (US/UK, DE/NL, FR/ES, IN, JP), dates of birth, passport, medical record and bank
account numbers, cloud access keys and tokens, and names after a cue word (forms, greetings,
sign-offs), which the small NER model misses in form-like text.

Custom patterns are case-sensitive (`global_regex_flags=re.MULTILINE`): Presidio's default adds
IGNORECASE, which turns `AKIA[A-Z0-9]{16}` or a capitalized street name into a loose match.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

import regex
import tldextract
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    PhoneRecognizer,
    SpacyRecognizer,
    UsSsnRecognizer,
)
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.tokens import Token

from workloads.privacy.nlp import LANGUAGE

PHONE_REGIONS = ("US", "GB", "DE", "FR", "IN", "JP", "CN", "NG", "ES", "BR", "AU")
"""Regions for numbers written without a country code; `+CC` numbers are found whatever the list.
Each region is one more pass of phonenumbers' matcher, the slowest recognizer."""


@cache
def offline_suffixes() -> tldextract.TLDExtract:
    """tldextract on the public suffix list bundled in its wheel: no fetch (`suffix_list_urls=()`),
    no cache written (`cache_dir=None`). Its module-level default downloads the list on first use."""
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail recognizer, validating the domain against the bundled suffix list."""

    def validate_result(self, pattern_text: str) -> bool:
        return offline_suffixes()(pattern_text).fqdn != ""


class ContextRegexRecognizer(EntityRecognizer):
    """A value pattern that counts only when a context pattern precedes it on the same line, within
    `window` characters, and `not_after` (a label of another kind of number) does not directly.
    Presidio's context words only raise scores and depend on tokenization ("D.O.B.", "no.:"); for
    bare digit runs a required context on the raw text is predictable."""

    def __init__(
        self,
        entity: str,
        value: str,
        context: str,
        window: int = 40,
        value_flags: int = 0,
        validator: Callable[[str], bool] | None = None,
        not_after: str | None = None,
    ) -> None:
        self._value = re.compile(value, value_flags)
        self._context = re.compile(context, re.IGNORECASE)
        self._not_after = re.compile(rf"(?:{not_after})\W{{0,3}}$", re.IGNORECASE) if not_after else None
        self._window = window
        self._validator = validator
        name = entity.title().replace("_", "") + "Recognizer"
        super().__init__(supported_entities=[entity], supported_language=LANGUAGE, name=name)

    def load(self) -> None:
        """Nothing to load: the patterns are compiled in the constructor."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        entity = self.supported_entities[0]
        found = []
        for match in self._value.finditer(text):
            line_start = text.rfind("\n", 0, match.start()) + 1
            before = text[max(line_start, match.start() - self._window) : match.start()]
            if not self._context.search(before) or (self._not_after and self._not_after.search(before)):
                continue
            if self._validator is None or self._validator(match.group(0)):
                found.append(RecognizerResult(entity, match.start(), match.end(), 0.85))
        return found


_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DAY, _MONTH, _YEAR = r"(?:0?[1-9]|[12]\d|3[01])", r"(?:0?[1-9]|1[0-2])", r"(?:19|20)\d{2}"
DATE = (
    rf"\b(?:{_YEAR}[-/.]{_MONTH}[-/.]{_DAY}|{_DAY}[-/.]{_MONTH}[-/.]{_YEAR}|{_MONTH}/{_DAY}/{_YEAR}"
    rf"|{_MONTHS}\.?\s+{_DAY}(?:st|nd|rd|th)?,?\s+{_YEAR}"
    rf"|{_DAY}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}\.?,?\s+{_YEAR})\b"
)
BIRTH_CONTEXT = r"\b(?:dob|d\.o\.b\b\.?|date\s+of\s+birth|birth\s*date|birthday|born|geb\.|née?)"

_STREET_TYPES = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|"
    r"Terrace|Ter|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Square|Sq|Crescent|Cres|Close|Gardens|"
    r"Grove|Mews|Row|Approach|Hill|Walk|Park|Trail|Loop|Plaza|Alley)"
)
_CAP = r"[A-Z][\w'’-]*"
ADDRESS_PATTERNS = [
    # US / UK / AU: "1420 Oak Ridge Avenue, Apt 3B, Springfield, IL 62704", "12 High Street, York YO1 7HH"
    Pattern(
        "address_number_street",
        rf"\b\d{{1,6}}[A-Z]?[ \t]+(?:{_CAP}[ \t]+){{1,3}}{_STREET_TYPES}\b\.?"
        r"(?:,?[ \t]+(?:Apt|Apartment|Suite|Ste|Unit|Floor|Fl|Flat|#)\.?[ \t]*[\w-]+)?"
        r"(?:,[ \t]*[A-Z][a-z]+(?:[ \t][A-Z][a-z]+){0,2})?"
        r"(?:,?[ \t]*[A-Z]{2}[ \t]+\d{5}(?:-\d{4})?|[ \t]+[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2})?",
        0.6,
    ),
    # DE / AT / CH / NL: "Hauptstraße 12a, 10115 Berlin", "Am Marktplatz 5, 80331 München"
    Pattern(
        "address_street_number_postcode",
        rf"\b(?!{_MONTHS}\b)(?:(?:Am|An[ \t]der|Im|In[ \t]der|Auf[ \t]dem|Zum|Zur)[ \t]+)?"
        r"[A-ZÄÖÜ][\wäöüß.-]*(?:[ \t][A-ZÄÖÜ][\wäöüß.-]*)?[ \t]+\d{1,4}[ \t]?[a-z]?,"
        r"[ \t]*(?:D-)?\d{4,5}[ \t]+[A-ZÄÖÜ][\wäöüß-]+",
        0.55,
    ),
    # FR / BE / ES: "12 bis rue de la Paix, 75002 Paris", "Calle de Alcalá 45, 28014 Madrid"
    Pattern(
        "address_fr_es",
        r"\b\d{1,4}(?:[ \t]?(?:bis|ter))?,?[ \t]+(?i:rue|avenue|av\.|boulevard|bd|place|allée|chemin|"
        r"impasse|quai|cours|route|calle|avenida|paseo|plaza)[ \t]+(?:[\w'’-]+[ \t]){0,5}?[\w'’-]+,"
        r"[ \t]*\d{5}[ \t]+[A-Z][\w-]+",
        0.6,
    ),
    # IN: "Flat 4B, Sai Residency, 12th Cross Road, Indiranagar, Bengaluru 560038"
    Pattern(
        "address_in",
        r"\b(?:Flat|House|H\.[ \t]?No\.?|Plot|Door|Apt|Villa|Room)[ \t]*(?:No\.?[ \t]*)?[\w/-]+,"
        r"(?:[ \t]*[^,\n]{2,40},){1,5}[ \t]*[A-Z][a-z]+(?:[ \t][A-Z][a-z]+)?"
        r"[ \t]*[-–]?[ \t]*\d{3}[ \t]?\d{3}\b",
        0.6,
    ),
    # JP romanized: "1-2-3 Shibuya, Shibuya-ku, Tokyo 150-0002"
    Pattern(
        "address_jp_latin",
        r"\b\d{1,2}-\d{1,3}(?:-\d{1,3})?[ \t]+[A-Z][a-z]+(?:[ \t][A-Z][a-z]+)?,[ \t]*[A-Z][a-z]+-"
        r"(?:ku|shi|cho|machi|gun|mura)(?:,[ \t]*[A-Z][a-z]+)?(?:[ \t]*\d{3}-\d{4})?",
        0.6,
    ),
    # JP script: "〒150-0041 東京都渋谷区神南1-2-3"
    Pattern(
        "address_jp",
        r"(?:〒[ \t]?\d{3}-\d{4}[ \t]*)?[\u4e00-\u9fff\u3040-\u30ff]{2,}?[都道府県]"
        r"[\u4e00-\u9fff\u3040-\u30ff]+\d{1,4}(?:[-－]\d{1,4}){1,2}",
        0.6,
    ),
]

CLOUD_KEY_PATTERNS = [
    Pattern("aws_access_key_id", r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b", 0.9),
    Pattern("github_token", r"\bgh[pousr]_[A-Za-z0-9]{36}\b", 0.9),
    Pattern("github_fine_grained_pat", r"\bgithub_pat_[A-Za-z0-9_]{60,90}\b", 0.9),
    Pattern("slack_token", r"\bxox[baprse]-[0-9]{6,15}-[0-9A-Za-z-]{8,80}\b", 0.9),
    Pattern("databricks_pat", r"\bdapi[0-9a-f]{32}(?:-\d+)?\b", 0.9),
    Pattern("gitlab_pat", r"\bglpat-[A-Za-z0-9_-]{20}\b", 0.9),
    Pattern("google_api_key", r"\bAIza[0-9A-Za-z_-]{35}\b", 0.9),
    Pattern("stripe_secret", r"\b[sr]k_live_[0-9A-Za-z]{24,}\b", 0.9),
]

_NAME_TOKEN = r"\p{Lu}[\p{L}\p{M}'’]*(?:-\p{L}[\p{L}\p{M}'’]*)*"
_NAME = rf"{_NAME_TOKEN}(?:[ \t]{_NAME_TOKEN}){{0,3}}"
_PERSON_CUES = (
    r"(?i:\b(?:patient|employee|customer|client|user|member|applicant|candidate|(?:full\s)?name|"
    r"contact|(?:line\s)?manager|approver|assignee|reporter|owner|requester|recipient|sender|"
    r"(?:submitted|approved|reviewed|signed|requested|referred|reported|created|opened|handled|prepared)\sby|"
    r"assigned\sto|escalated?\sto|handed\sover\sto|handover|hi|hello|dear|thanks|regards|"
    r"reach|ping|page|ask|call)\b|\b(?:dr|mr|mrs|ms|mx|prof|sr|sra)\b\.?)"
    # e-mail headers only at a line start: a bare "to" or "from" precedes cities and teams too
    r"|(?m:^(?i:from|to|cc|bcc|attn|reply-to)[ \t]*:)"
    # a sign-off puts the name on the next line
    r"|(?i:\b(?:regards|thanks|thank\syou|cheers|best|sincerely|yours)\b,?[ \t]*\n)"
)
_TITLE = r"(?:(?:Dr|Mr|Mrs|Ms|Mx|Prof|Sr|Sra)\.?[ \t]+)?"
NOT_NAMES = frozenset(
    {
        *("Team", "All", "Sir", "Madam", "Whom", "Support", "Portal", "Guide", "Services", "Service"),
        *("Desk", "Admin", "Everyone", "There", "The", "Our", "Your", "My", "This", "That", "It", "We"),
        *("I", "You", "Please", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"),
        *("Sunday", "Subject", "Re", "Fwd", "Ticket", "Incident", "HR", "IT", "Ops", "On", "Call"),
        *("Record", "Number", "Id", "ID"),
    }
)
"""Capitalized words that follow a cue without being a name ("Hi Team", "Dear Sir")."""


_NOT_PERSON_LABELS = {"ORG", "GPE", "LOC", "FAC", "PRODUCT", "NORP", "LAW", "LANGUAGE", "DATE", "TIME"}
_PLACE_OR_ORG_WORDS = frozenset(
    {
        *("Road", "Street", "Avenue", "Lane", "Drive", "Way", "Bank", "University", "Hospital", "Clinic"),
        *("Group", "Inc", "Ltd", "Corp", "Company", "Council", "Ministry", "Department", "Institute"),
        *("Center", "Centre", "Foundation", "Association", "Service", "Services", "Airport", "Station"),
    }
)


class ProperNameRecognizer(EntityRecognizer):
    """Two to four capitalized proper nouns in a row that spaCy did not call a place, organization,
    product or date, none of them a word the document also writes in lower case ("Systematic Review").
    The small NER model often labels names in running prose as a work of art or an event ("Chinonso
    Obi rotated it", "the 14th Tunde Bakare saw") or not at all; the tagger still calls them proper
    nouns."""

    def __init__(self) -> None:
        super().__init__(supported_entities=["PERSON"], supported_language=LANGUAGE, name="ProperName")

    def load(self) -> None:
        """Nothing to load: it reads the spaCy document Presidio already made."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if nlp_artifacts is None:
            return []
        doc = nlp_artifacts.tokens
        labelled = {token.i for ent in doc.ents if ent.label_ in _NOT_PERSON_LABELS for token in ent}
        lowercase = {token.text for token in doc if token.is_lower}
        found: list[RecognizerResult] = []
        run: list[Token] = []
        for token in [*doc, None]:
            joined = token is not None and run and token.text == "-" and not run[-1].whitespace_
            name_like = (
                token is not None
                and token.pos_ == "PROPN"
                and token.i not in labelled
                and regex.fullmatch(_NAME_TOKEN, token.text) is not None
                and not token.text.isupper()
            )
            if name_like or joined:
                run.append(token)
                continue
            words = [t.text for t in run if t.text != "-"]
            common = any(word.lower() in lowercase for word in words)
            if (
                2 <= len(words) <= 4
                and not common
                and words[-1] not in _PLACE_OR_ORG_WORDS
                and run[-1].text != "-"
            ):
                found.append(RecognizerResult("PERSON", run[0].idx, run[-1].idx + len(run[-1]), 0.5))
            run = []
        return found


class PersonCueRecognizer(EntityRecognizer):
    """One to four capitalized words right after a person cue: a form label ("Patient:"), a greeting,
    a sign-off, a title, "submitted by", "escalate to", a "From:" header. Names chained to a found
    one with "->", "&", "and" or "/" are taken too."""

    _cued = regex.compile(rf"(?:{_PERSON_CUES})[ \t]*[:\-,]?[ \t]*{_TITLE}(?P<name>{_NAME})")
    _chained = regex.compile(rf"[ \t]*(?:->|→|=>|&|and|/)[ \t]*(?P<name>{_NAME})")

    def __init__(self) -> None:
        super().__init__(supported_entities=["PERSON"], supported_language=LANGUAGE, name="PersonCue")

    def load(self) -> None:
        """Nothing to load: the patterns are compiled with the class."""

    @staticmethod
    def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
        words = text[start:end].split(" ")
        while words and words[0] in NOT_NAMES:
            start += len(words.pop(0)) + 1
        kept: list[str] = []
        for word in words:
            if word in NOT_NAMES:
                break
            kept.append(word)
        if not kept or (len(kept) == 1 and (len(kept[0]) < 2 or kept[0].lower() in STOP_WORDS)):
            return None
        return start, start + len(" ".join(kept))

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        found = []
        for match in self._cued.finditer(text):
            span: tuple[int, int] | None = match.span("name")
            while span is not None:
                trimmed = self._trim(text, *span)
                if trimmed:
                    found.append(RecognizerResult("PERSON", trimmed[0], trimmed[1], 0.6))
                chained = self._chained.match(text, span[1])
                span = chained.span("name") if chained else None
        return found


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def custom_recognizers() -> list[EntityRecognizer]:
    flags = re.MULTILINE
    return [
        PersonCueRecognizer(),
        ProperNameRecognizer(),
        PatternRecognizer(
            supported_entity="STREET_ADDRESS",
            patterns=ADDRESS_PATTERNS,
            context=["address", "street", "lives", "home", "mailing", "shipping", "residence", "resides"],
            global_regex_flags=flags,
            name="StreetAddressRecognizer",
        ),
        PatternRecognizer(
            supported_entity="CLOUD_ACCESS_KEY",
            patterns=CLOUD_KEY_PATTERNS,
            context=["key", "token", "secret", "credential"],
            global_regex_flags=flags,
            name="CloudAccessKeyRecognizer",
        ),
        ContextRegexRecognizer("DATE_OF_BIRTH", DATE, BIRTH_CONTEXT, window=30, value_flags=re.IGNORECASE),
        ContextRegexRecognizer(
            "PASSPORT",
            r"\b(?:[A-Z]{1,2}\d{6,8}|\d{9}|\d{2}[A-Z]{2}\d{5}|[CFGHJK][0-9CFGHJKLMNPRTVWXYZ]{8})\b",
            r"\bpass(?:port)?\b|\bpasaporte\b|\breisepass\b",
            validator=lambda value: len(set(value)) > 1,
        ),
        ContextRegexRecognizer(
            "MEDICAL_RECORD_NUMBER",
            r"\b(?:[A-Z]{1,3}-?)?\d(?:[\d-]{4,14})\d\b",
            r"\bMRN\b|\bmedical\s+record|\bhealth\s+record|\bchart\b|\bpatient\s+(?:record|id|number)"
            r"|\bcase\s+(?:no|number)|\bhospital\s+(?:no|number|id)",
        ),
        ContextRegexRecognizer(
            "BANK_ACCOUNT",
            r"(?<!\+)\b\d(?:[\d -]{5,20})\d\b",
            r"\b(?:account|acct|a/c|konto|kontonummer|compte|cuenta)\b",
            window=30,
            validator=lambda value: 6 <= len(_digits(value)) <= 18,
            # bank codes are not accounts, and a number after "+CC" is a phone number
            not_after=r"\b(?:routing(?:\s+(?:no|number))?|aba|blz|bic|swift|ifsc|sort\s+code|bsb)|\+\d{0,3}",
        ),
    ]


def library_recognizers() -> list[EntityRecognizer]:
    return [
        SpacyRecognizer(supported_language=LANGUAGE, supported_entities=["PERSON"]),
        OfflineEmailRecognizer(),
        PhoneRecognizer(supported_regions=list(PHONE_REGIONS)),
        CreditCardRecognizer(),
        IbanRecognizer(),
        IpRecognizer(),
        UsSsnRecognizer(),
    ]
