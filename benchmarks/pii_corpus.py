"""A seeded generator of labelled PII documents: the generated half of the privacy benchmark.

Each record is one realistic document (support ticket, HR note, clinical referral, on-call handover,
e-mail, payment change, patient-portal ticket) with planted entities and hard negatives (ticket ids,
SKUs, versions, event dates, commit hashes, UUIDs, order numbers, city names), all with exact offsets:

    {"id", "split", "kind_of_doc", "text",
     "entities": [{"start", "end", "type", "value"}], "negatives": [{"start", "end", "value"}]}

Names come from twelve cultures (family-first where customary). Two splits use disjoint value pools
and seeds: `dev` and `test` (with phrasings `dev` never shows). Both share the templates, so the
figures overstate real quality; `benchmarks/pii_handwritten.py` is the honest set.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

import phonenumbers

ENTITY_TYPES: Final[tuple[str, ...]] = (
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "STREET_ADDRESS",
    "DATE_OF_BIRTH",
    "IP_ADDRESS",
    "CREDIT_CARD",
    "IBAN_CODE",
    "US_SSN",
    "PASSPORT",
    "MEDICAL_RECORD_NUMBER",
    "BANK_ACCOUNT",
    "CLOUD_ACCESS_KEY",
)

# --------------------------------------------------------------------------- names
# (given, family, family_first) per culture; pools are split by index parity so
# dev and test never share a full name.
NAMES: Final[dict[str, list[tuple[str, str, bool]]]] = {
    "chinese": [
        ("Wei", "Zhang", True),
        ("Fang", "Wang", True),
        ("Xiuying", "Li", True),
        ("Jing", "Chen", True),
        ("Yang", "Liu", True),
        ("Mingzhu", "Huang", True),
        ("Haoran", "Zhou", True),
        ("Xiaoling", "Wu", True),
    ],
    "indian": [
        ("Priya", "Raghunathan", False),
        ("Arjun", "Venkataraman", False),
        ("Ananya", "Iyer", False),
        ("Rohit", "Deshpande", False),
        ("Kavita", "Chaudhary", False),
        ("Siddharth", "Menon", False),
        ("Lakshmi", "Subramanian", False),
        ("Vikram", "Malhotra", False),
    ],
    "nigerian": [
        ("Chukwuemeka", "Okonkwo", False),
        ("Ngozi", "Adeyemi", False),
        ("Oluwaseun", "Bakare", False),
        ("Adaeze", "Nwosu", False),
        ("Babatunde", "Ogunleye", False),
        ("Funmilayo", "Adebayo", False),
        ("Ikechukwu", "Eze", False),
        ("Yetunde", "Olawale", False),
    ],
    "arabic": [
        ("Fatima", "Al-Sayed", False),
        ("Omar", "Haddad", False),
        ("Youssef", "El-Amin", False),
        ("Layla", "Mansour", False),
        ("Khalid", "Al-Rashid", False),
        ("Nour", "Khoury", False),
        ("Tariq", "Abdullah", False),
        ("Samira", "Benali", False),
    ],
    "spanish": [
        ("María José", "Fernández", False),
        ("Alejandro", "Gutiérrez", False),
        ("Lucía", "Ramírez", False),
        ("Javier", "Morales Ortega", False),
        ("Carmen", "Delgado", False),
        ("Diego", "Castillo", False),
        ("Valentina", "Herrera", False),
        ("Mateo", "Navarro", False),
    ],
    "slavic": [
        ("Katarzyna", "Wiśniewska", False),
        ("Dmitri", "Volkov", False),
        ("Jelena", "Petrović", False),
        ("Tomasz", "Kowalczyk", False),
        ("Anastasia", "Sokolova", False),
        ("Miroslav", "Novák", False),
        ("Olena", "Shevchenko", False),
        ("Bogdan", "Popescu", False),
    ],
    "japanese": [
        ("Haruto", "Sato", False),
        ("Yui", "Tanaka", False),
        ("Kenji", "Watanabe", False),
        ("Aiko", "Yamamoto", False),
        ("Takeshi", "Nakamura", False),
        ("Sakura", "Kobayashi", False),
        ("Hiroshi", "Fujimoto", False),
        ("Emi", "Matsumoto", False),
    ],
    "korean": [
        ("Min-jun", "Kim", True),
        ("Ji-woo", "Park", True),
        ("Seo-yeon", "Lee", True),
        ("Hyun-woo", "Choi", True),
        ("Eun-ji", "Jung", True),
        ("Dong-hyun", "Kang", True),
        ("Soo-ah", "Yoon", True),
        ("Jae-sung", "Han", True),
    ],
    "vietnamese": [
        ("Thi Lan", "Nguyen", True),
        ("Van Minh", "Tran", True),
        ("Quoc Bao", "Pham", True),
        ("Thu Trang", "Le", True),
        ("Duc Anh", "Hoang", True),
        ("Ngoc Mai", "Vu", True),
        ("Minh Khoa", "Dang", True),
        ("Thanh Huong", "Bui", True),
    ],
    "scandinavian": [
        ("Astrid", "Lindqvist", False),
        ("Magnus", "Johansson", False),
        ("Ingrid", "Haugen", False),
        ("Søren", "Kjærgaard", False),
        ("Freya", "Nilsen", False),
        ("Henrik", "Bergström", False),
        ("Sigrid", "Dahl", False),
        ("Erik", "Lundgren", False),
    ],
    "anglo": [
        ("Emily", "Carter", False),
        ("James", "O'Connor", False),
        ("Rachel", "Thompson", False),
        ("Daniel", "Whitfield", False),
        ("Hannah", "Brooks", False),
        ("Liam", "Gallagher", False),
        ("Sophie", "Harrington", False),
        ("Owen", "Fletcher", False),
    ],
    "turkish_persian": [
        ("Elif", "Yılmaz", False),
        ("Mehmet", "Demir", False),
        ("Dariush", "Rahimi", False),
        ("Shirin", "Tehrani", False),
        ("Ayşe", "Kaya", False),
        ("Reza", "Karimi", False),
        ("Zeynep", "Aydın", False),
        ("Parisa", "Moradi", False),
    ],
}

CITIES_NEG: Final[list[str]] = [
    "Berlin",
    "Lagos",
    "Tokyo",
    "Mumbai",
    "Madrid",
    "Warsaw",
    "Stockholm",
    "Seoul",
    "Hanoi",
    "Dubai",
    "Chicago",
    "Manchester",
    "Lyon",
    "Osaka",
    "Bengaluru",
    "Oslo",
]


@dataclass(frozen=True)
class Person:
    given: str
    family: str
    family_first: bool

    @property
    def full(self) -> str:
        return f"{self.family} {self.given}" if self.family_first else f"{self.given} {self.family}"

    @property
    def first(self) -> str:
        """How a colleague would address them informally."""
        return self.full if self.family_first else self.given


@dataclass
class Doc:
    """Accumulates text while recording exact entity and negative offsets."""

    parts: list[str] = field(default_factory=list)
    length: int = 0
    entities: list[dict[str, object]] = field(default_factory=list)
    negatives: list[dict[str, object]] = field(default_factory=list)

    def t(self, s: str) -> Doc:
        self.parts.append(s)
        self.length += len(s)
        return self

    def e(self, etype: str, value: str) -> Doc:
        assert etype in ENTITY_TYPES, etype
        self.entities.append(
            {"start": self.length, "end": self.length + len(value), "type": etype, "value": value}
        )
        return self.t(value)

    def n(self, value: str) -> Doc:
        self.negatives.append({"start": self.length, "end": self.length + len(value), "value": value})
        return self.t(value)

    @property
    def text(self) -> str:
        return "".join(self.parts)


class Gen:
    """Value factories bound to one seeded RNG and one split's value pools."""

    def __init__(self, seed: int, split: str) -> None:
        self.rng = random.Random(seed)
        self.split = split
        self.holdout = split == "test"
        parity = 0 if split == "dev" else 1
        self.people: list[Person] = [
            Person(*n) for pool in NAMES.values() for i, n in enumerate(pool) if i % 2 == parity
        ]

    # ---------------------------------------------------------------- helpers
    def choice(self, xs: list[str] | tuple[str, ...]) -> str:
        return self.rng.choice(list(xs))

    def digits(self, k: int) -> str:
        return "".join(self.rng.choice(string.digits) for _ in range(k))

    def person(self) -> Person:
        return self.rng.choice(self.people)

    # ---------------------------------------------------------------- entities
    def email(self, p: Person) -> str:
        g = p.given.lower().replace(" ", "").replace("-", "")
        f = p.family.lower().replace(" ", "").replace("'", "").replace("-", "")
        ascii_map = str.maketrans("áéíóúñøæåöäüśćłışçğ", "aeiounoeaoauscliscg")
        g, f = g.translate(ascii_map), f.translate(ascii_map)
        local = self.choice([f"{g}.{f}", f"{g[0]}{f}", f"{f}.{g}{self.digits(2)}", f"{g}_{f}"])
        dom = self.choice(
            [
                "gmail.com",
                "outlook.com",
                "yahoo.co.uk",
                "web.de",
                "orange.fr",
                "example-health.org",
                "acme-corp.com",
                "mail.ru",
                "naver.com",
                "rediffmail.com",
                "proton.me",
                "uni-hamburg.de",
            ]
        )
        return f"{local}@{dom}"

    _PHONE_FORMATS: Final = {
        "US": ("+1", 10),
        "GB": ("+44", 10),
        "DE": ("+49", 11),
        "FR": ("+33", 9),
        "IN": ("+91", 10),
        "JP": ("+81", 10),
        "CN": ("+86", 11),
        "NG": ("+234", 10),
        "AE": ("+971", 9),
        "ES": ("+34", 9),
        "KR": ("+82", 10),
        "VN": ("+84", 9),
        "SE": ("+46", 9),
        "NO": ("+47", 8),
        "PL": ("+48", 9),
        "BR": ("+55", 11),
    }
    _MOBILE_PREFIX: Final = {
        "US": ["415", "212", "617", "312", "206"],
        "GB": ["7700", "7911", "20"],
        "DE": ["151", "170", "30"],
        "FR": ["6", "7", "1"],
        "IN": ["98", "91", "70"],
        "JP": ["90", "80", "3"],
        "CN": ["138", "139", "186"],
        "NG": ["803", "806", "701"],
        "AE": ["50", "55"],
        "ES": ["612", "655", "91"],
        "KR": ["10"],
        "VN": ["91", "98", "90"],
        "SE": ["70", "73"],
        "NO": ["4", "9"],
        "PL": ["501", "601", "22"],
        "BR": ["11", "21"],
    }

    def phone(self) -> str:
        for _ in range(200):
            region = self.choice(list(self._PHONE_FORMATS))
            cc, nsn_len = self._PHONE_FORMATS[region]
            prefix = self.choice(self._MOBILE_PREFIX[region])
            nsn = prefix + self.digits(nsn_len - len(prefix))
            try:
                num = phonenumbers.parse(cc + nsn, None)
            except phonenumbers.NumberParseException:
                continue
            if not phonenumbers.is_valid_number(num):
                continue
            style = self.rng.random()
            if region == "US" and style < 0.4:
                return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.NATIONAL)
            return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        raise RuntimeError("could not generate a valid phone number")

    def address(self) -> str:
        dev = not self.holdout
        kind = self.choice(["US", "UK", "DE", "FR", "IN", "JP"])
        n = str(self.rng.randint(2, 4800))
        if kind == "US":
            street = self.choice(
                ["Maple", "Oak Ridge", "Lincoln", "Cedar", "Washington", "Sunset"]
                if dev
                else ["Elm", "Willow Creek", "Jefferson", "Magnolia", "Harbor"]
            )
            suffix = self.choice(
                ["Street", "Avenue", "Road", "Blvd", "Drive", "Lane"]
                if dev
                else ["St.", "Ave", "Court", "Parkway", "Way", "Terrace"]
            )
            city, st, z = self.rng.choice(
                [("Springfield", "IL", "62704"), ("Austin", "TX", "78701"), ("Portland", "OR", "97205")]
                if dev
                else [("Columbus", "OH", "43215"), ("Raleigh", "NC", "27601"), ("Tucson", "AZ", "85701")]
            )
            unit = self.choice(
                ["", f", Apt {self.rng.randint(1, 40)}B", f", Suite {self.rng.randint(100, 900)}"]
            )
            return f"{n} {street} {suffix}{unit}, {city}, {st} {z}"
        if kind == "UK":
            street = self.choice(
                ["Baker Street", "Kingsway Road", "Mill Lane", "Victoria Crescent"]
                if dev
                else ["Church Road", "Station Approach", "Queens Gardens", "High Street"]
            )
            city, pc = self.rng.choice(
                [("London", "NW1 6XE"), ("Leeds", "LS1 4DY"), ("Bristol", "BS8 1TH")]
                if dev
                else [("Glasgow", "G2 3BZ"), ("Cardiff", "CF10 1EP"), ("York", "YO1 7HH")]
            )
            return f"{self.rng.randint(1, 250)} {street}, {city} {pc}"
        if kind == "DE":
            street = self.choice(
                ["Hauptstraße", "Lindenallee", "Goethestraße", "Am Marktplatz"]
                if dev
                else ["Schillerstraße", "Bahnhofstraße", "Rosenweg", "Kirchgasse"]
            )
            city, pc = self.rng.choice(
                [("Berlin", "10115"), ("München", "80331"), ("Hamburg", "20095")]
                if dev
                else [("Köln", "50667"), ("Leipzig", "04109"), ("Stuttgart", "70173")]
            )
            return f"{street} {self.rng.randint(1, 120)}{self.choice(['', 'a', 'b'])}, {pc} {city}"
        if kind == "FR":
            street = self.choice(
                ["rue de la Paix", "avenue Victor Hugo", "boulevard Haussmann"]
                if dev
                else ["rue du Faubourg Saint-Antoine", "place Bellecour", "quai des Chartrons"]
            )
            city, pc = self.rng.choice(
                [("Paris", "75002"), ("Lyon", "69003")]
                if dev
                else [("Bordeaux", "33000"), ("Marseille", "13001")]
            )
            return f"{self.rng.randint(1, 140)}{self.choice(['', ' bis'])} {street}, {pc} {city}"
        if kind == "IN":
            bldg = self.choice(
                ["Sai Residency", "Lotus Apartments", "Prestige Heights"]
                if dev
                else ["Green Valley Towers", "Shanti Niketan", "Royal Enclave"]
            )
            area, city, pin = self.rng.choice(
                [("Indiranagar", "Bengaluru", "560038"), ("Andheri West", "Mumbai", "400053")]
                if dev
                else [("Salt Lake Sector V", "Kolkata", "700091"), ("Banjara Hills", "Hyderabad", "500034")]
            )
            return (
                f"Flat {self.rng.randint(1, 12)}{self.choice('ABCD')}, {bldg}, "
                f"{self.rng.randint(1, 20)}th Cross Road, {area}, {city} {pin}"
            )
        # JP
        if self.rng.random() < 0.5:
            ward, city, pc = self.rng.choice(
                [("Shibuya-ku", "Tokyo", "150-0002"), ("Kita-ku", "Osaka", "530-0001")]
                if dev
                else [("Naka-ku", "Yokohama", "231-0005"), ("Chuo-ku", "Sapporo", "060-0001")]
            )
            area = self.choice(["Shibuya", "Umeda"] if dev else ["Motomachi", "Odori"])
            block = f"{self.rng.randint(1, 9)}-{self.rng.randint(1, 30)}-{self.rng.randint(1, 20)}"
            return f"{block} {area}, {ward}, {city} {pc}"
        pref = self.choice(
            ["東京都渋谷区神南", "大阪府大阪市北区梅田"]
            if dev
            else ["神奈川県横浜市中区元町", "北海道札幌市中央区大通西"]
        )
        pc = self.choice(["150-0041", "530-0001"] if dev else ["231-0861", "060-0042"])
        return f"〒{pc} {pref}{self.rng.randint(1, 9)}-{self.rng.randint(1, 30)}-{self.rng.randint(1, 20)}"

    def date_of_birth(self) -> str:
        y, m, d = self.rng.randint(1942, 2004), self.rng.randint(1, 12), self.rng.randint(1, 28)
        months = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ]
        fmt = self.rng.randint(0, 4)
        if fmt == 0:
            return f"{y}-{m:02d}-{d:02d}"
        if fmt == 1:
            return f"{d:02d}/{m:02d}/{y}"
        if fmt == 2:
            return f"{months[m - 1]} {d}, {y}"
        if fmt == 3:
            return f"{d} {months[m - 1]} {y}"
        return f"{d:02d}.{m:02d}.{y}"

    def dob_context(self) -> str:
        base = ["DOB: ", "date of birth ", "born ", "D.O.B. "]
        extra = ["birth date: ", "Date of Birth - ", "who was born on "]
        return self.choice(base + extra if self.holdout else base)

    def ipv4(self) -> str:
        first = self.choice(["10", "172", "192", "203", "198", "81", "45", "104", "185"])
        return f"{first}.{self.rng.randint(0, 255)}.{self.rng.randint(0, 255)}.{self.rng.randint(1, 254)}"

    def ipv6(self) -> str:
        groups = [f"{self.rng.randint(0, 0xFFFF):x}" for _ in range(8)]
        style = self.rng.randint(0, 2)
        if style == 0:
            return ":".join(["2001", "db8", *groups[2:]])
        if style == 1:
            return f"2001:db8:{groups[0]}::{groups[1]}:{groups[2]}"
        return f"fe80::{groups[0]}:{groups[1]}:{groups[2]}:{groups[3]}"

    def ip(self) -> str:
        return self.ipv6() if self.rng.random() < 0.4 else self.ipv4()

    def credit_card(self) -> str:
        brand = self.choice(["visa", "mc", "amex", "discover"])
        if brand == "amex":
            body = self.choice(["34", "37"]) + self.digits(12)
        elif brand == "mc":
            body = str(self.rng.randint(51, 55)) + self.digits(13)
        elif brand == "discover":
            body = "6011" + self.digits(11)
        else:
            body = "4" + self.digits(14)
        number = body + luhn_check_digit(body)
        sep = self.choice([" ", "-", ""])
        if brand == "amex":
            return sep.join([number[:4], number[4:10], number[10:]])
        return sep.join(number[i : i + 4] for i in range(0, 16, 4))

    _IBAN_BBAN: Final = {
        "DE": lambda g: g.digits(18),
        "GB": lambda g: g.choice(["NWBK", "BARC", "LOYD", "HBUK"]) + g.digits(14),
        "FR": lambda g: g.digits(23),
        "ES": lambda g: g.digits(20),
        "NL": lambda g: g.choice(["ABNA", "INGB", "RABO"]) + g.digits(10),
        "IT": lambda g: g.choice(list("ABCXYZ")) + g.digits(22),
        "BE": lambda g: g.digits(12),
        "PL": lambda g: g.digits(24),
        "SE": lambda g: g.digits(20),
        "NO": lambda g: g.digits(11),
    }

    def iban(self) -> str:
        cc = self.choice(list(self._IBAN_BBAN))
        bban = self._IBAN_BBAN[cc](self)
        iban = cc + iban_check_digits(cc, bban) + bban
        if self.rng.random() < 0.6:
            return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
        return iban

    def ssn(self) -> str:
        while True:
            area = self.rng.randint(1, 899)
            if area != 666:
                break
        s = f"{area:03d}-{self.rng.randint(1, 99):02d}-{self.rng.randint(1, 9999):04d}"
        return s.replace("-", " ") if self.rng.random() < 0.15 else s

    def passport(self) -> str:
        kind = self.rng.randint(0, 6)
        up = string.ascii_uppercase
        if kind == 0:  # US / UK: 9 digits
            return str(self.rng.randint(1, 9)) + self.digits(8)
        if kind == 1:  # IN: letter + 7 digits
            return self.choice(up) + self.digits(7)
        if kind == 2:  # CN: E + 8 digits
            return "E" + self.digits(8)
        if kind == 3:  # DE: C + 8 alnum (no vowels)
            return "C" + "".join(self.choice("CFGHJKLMNPRTVWXYZ0123456789") for _ in range(8))
        if kind == 4:  # JP: 2 letters + 7 digits
            return self.choice(["TK", "TR", "MZ", "AZ"]) + self.digits(7)
        if kind == 5:  # FR: 2 digits + 2 letters + 5 digits
            return self.digits(2) + self.choice(up) + self.choice(up) + self.digits(5)
        return "A" + self.digits(8)  # NG

    def mrn(self) -> str:
        fmt = self.rng.randint(0, 3)
        if fmt == 0:
            return self.digits(8)
        if fmt == 1:
            return f"{self.digits(3)}-{self.digits(4)}-{self.digits(2)}"
        if fmt == 2:
            return self.choice(["H", "MR", "K"]) + "-" + self.digits(7)
        return self.digits(10)

    def bank_account(self) -> str:
        return self.digits(self.rng.choice([8, 10, 11, 12, 14]))

    def cloud_key(self) -> str:
        kind = self.rng.randint(0, 3)
        alnum = string.ascii_letters + string.digits
        if kind == 0:
            return "AKIA" + "".join(self.choice(string.ascii_uppercase + "234567") for _ in range(16))
        if kind == 1:
            return "ghp_" + "".join(self.choice(alnum) for _ in range(36))
        if kind == 2:
            return f"xoxb-{self.digits(12)}-{self.digits(13)}-" + "".join(
                self.choice(alnum) for _ in range(24)
            )
        return "dapi" + "".join(self.choice("0123456789abcdef") for _ in range(32))

    # --------------------------------------------------------------- negatives
    def sku(self) -> str:
        return (
            f"SKU-{self.digits(4)}-{self.choice(string.ascii_uppercase)}{self.choice(string.ascii_uppercase)}"
        )

    def version(self) -> str:
        return f"{self.rng.randint(1, 9)}.{self.rng.randint(0, 30)}.{self.rng.randint(0, 20)}"

    def event_date(self) -> str:
        y, m, d = self.rng.randint(2023, 2025), self.rng.randint(1, 12), self.rng.randint(1, 28)
        return self.choice(
            [
                f"{y}-{m:02d}-{d:02d}",
                f"{d:02d}/{m:02d}/{y}",
                f"{['March', 'June', 'October', 'January'][m % 4]} {d}, {y}",
            ]
        )

    def ticket(self) -> str:
        return self.choice(
            [
                f"INC-{self.digits(6)}",
                f"PAY-{self.rng.randint(100, 9999)}",
                f"CS-{self.digits(5)}",
                f"SR{self.digits(7)}",
            ]
        )

    def commit(self) -> str:
        n = self.choice([7, 12, 40])
        return "".join(self.choice("0123456789abcdef") for _ in range(int(n)))

    def uuid(self) -> str:
        h = "".join(self.choice("0123456789abcdef") for _ in range(32))
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"

    def order(self) -> str:
        return self.choice([f"#ORD-{self.digits(6)}", f"order {self.digits(10)}", f"PO-{self.digits(5)}"])

    def city(self) -> str:
        return self.choice(CITIES_NEG)


def luhn_check_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def iban_check_digits(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    numeric = "".join(str(int(c, 36)) for c in rearranged)
    return f"{98 - int(numeric) % 97:02d}"


# ----------------------------------------------------------------- documents
def doc_support_ticket(g: Gen) -> Doc:
    p = g.person()
    d = Doc()
    d.t("Ticket ").n(g.ticket()).t(" | opened ").n(g.event_date()).t(" | priority P2\n")
    d.t("Customer ").e("PERSON", p.full).t(" (").e("EMAIL_ADDRESS", g.email(p)).t(") reports that the card ")
    d.e("CREDIT_CARD", g.credit_card()).t(" was declined twice for ").n(g.order()).t(". ")
    d.t("Item: ").n(g.sku()).t(", mobile app version ").n(g.version()).t(".\n")
    if g.rng.random() < 0.7:
        d.t("Please call back on ").e("PHONE_NUMBER", g.phone()).t(" after 5pm.\n")
    if g.rng.random() < 0.5:
        d.t("Login attempts came from ").e("IP_ADDRESS", g.ip()).t("; our ").n(g.city()).t(
            " edge node served them.\n"
        )
    if g.rng.random() < 0.5:
        d.t("Shipping address on file: ").e("STREET_ADDRESS", g.address()).t(".\n")
    agent = g.person()
    d.t("Assigned to ").e("PERSON", agent.full).t(" (tier 2).")
    return d


def doc_hr_note(g: Gen) -> Doc:
    p, mgr = g.person(), g.person()
    d = Doc()
    d.t("HR record update, effective ").n(g.event_date()).t("\n")
    d.t("Employee: ").e("PERSON", p.full).t(", ").t(g.dob_context()).e("DATE_OF_BIRTH", g.date_of_birth()).t(
        ".\n"
    )
    d.t("SSN ").e("US_SSN", g.ssn()).t(" verified against I-9.\n")
    d.t("Home address: ").e("STREET_ADDRESS", g.address()).t("\n")
    if g.rng.random() < 0.6:
        d.t("Payroll: salary to IBAN ").e("IBAN_CODE", g.iban()).t(".\n")
    else:
        d.t("Payroll: direct deposit to account number ").e("BANK_ACCOUNT", g.bank_account()).t(".\n")
    d.t("Relocating from the ").n(g.city()).t(" office; badge ").n(g.ticket()).t(" reissued.\n")
    d.t("Line manager ").e("PERSON", mgr.full).t(" approved; reach ").e("PERSON", p.first)
    d.t(" at ").e("PHONE_NUMBER", g.phone()).t(".")
    return d


def doc_clinical(g: Gen) -> Doc:
    p, doc = g.person(), g.person()
    d = Doc()
    d.t("Referral request - cardiology\n")
    d.t("Patient: ").e("PERSON", p.full).t("\n")
    d.t(
        g.choice(
            ["MRN: ", "MRN ", "Medical record number: "] + (["Hospital chart no. "] if g.holdout else [])
        )
    )
    d.e("MEDICAL_RECORD_NUMBER", g.mrn()).t("\n")
    d.t(g.dob_context().capitalize()).e("DATE_OF_BIRTH", g.date_of_birth()).t("\n")
    d.t("Referred by Dr. ").e("PERSON", doc.family).t(" after an ECG on ").n(g.event_date()).t(".\n")
    if g.rng.random() < 0.6:
        d.t("Patient contact: ").e("PHONE_NUMBER", g.phone()).t(", ").e("EMAIL_ADDRESS", g.email(p)).t("\n")
    if g.rng.random() < 0.5:
        d.t("Travel insurance requires passport number ").e("PASSPORT", g.passport()).t(".\n")
    d.t("Lab order ").n(g.order()).t(" attached; device firmware ").n(g.version()).t(".")
    return d


def doc_handover(g: Gen) -> Doc:
    a, b, c = g.person(), g.person(), g.person()
    d = Doc()
    d.t("On-call handover: ").e("PERSON", a.full).t(" -> ").e("PERSON", b.full).t("\n")
    d.t("- Deployed release ").n(g.version()).t(" on ").n(g.event_date()).t(" (commit ").n(g.commit()).t(
        ").\n"
    )
    d.t("- A credential leaked in a public gist: ").e("CLOUD_ACCESS_KEY", g.cloud_key()).t(
        " - rotated, revoke confirmed.\n"
    )
    if g.rng.random() < 0.5:
        d.t("- Also found token ").e("CLOUD_ACCESS_KEY", g.cloud_key()).t(" in CI logs.\n")
    d.t("- Brute force from ").e("IP_ADDRESS", g.ipv4()).t(" and ").e("IP_ADDRESS", g.ipv6()).t(
        ", blocked at the WAF.\n"
    )
    d.t("- Incident ").n(g.uuid()).t(" tracked in ").n(g.ticket()).t("; the ").n(g.city()).t(
        " region is degraded.\n"
    )
    d.t("- Escalate to ").e("PERSON", c.full).t(" on ").e("PHONE_NUMBER", g.phone()).t(".")
    return d


def doc_email(g: Gen) -> Doc:
    sender, rcpt = g.person(), g.person()
    d = Doc()
    d.t("From: ").e("PERSON", sender.full).t(" <").e("EMAIL_ADDRESS", g.email(sender)).t(">\n")
    d.t("To: ").e("EMAIL_ADDRESS", g.email(rcpt)).t("\nSubject: visa paperwork\n\n")
    d.t("Hi ").e("PERSON", rcpt.first).t(",\n\n")
    d.t("For the visa appointment I need to confirm my passport no. ").e("PASSPORT", g.passport())
    d.t(" and my current address, ").e("STREET_ADDRESS", g.address()).t(". ")
    if g.rng.random() < 0.5:
        d.t("The reimbursement can go to ").e("IBAN_CODE", g.iban()).t(". ")
    d.t("We fly to ").n(g.city()).t(" on ").n(g.event_date()).t(". ")
    d.t("My mobile is ").e("PHONE_NUMBER", g.phone()).t(".\n\nBest regards,\n").e("PERSON", sender.full)
    return d


def doc_payment_change(g: Gen) -> Doc:
    p = g.person()
    d = Doc()
    d.t("Vendor bank details change - request ").n(g.ticket()).t("\n")
    d.t("Submitted by ").e("PERSON", p.full).t(" on ").n(g.event_date()).t(".\n")
    d.t("New account number: ").e("BANK_ACCOUNT", g.bank_account()).t("\n")
    d.t("IBAN: ").e("IBAN_CODE", g.iban()).t("\n")
    if g.rng.random() < 0.6:
        d.t("Corporate card for fees: ").e("CREDIT_CARD", g.credit_card()).t("\n")
    d.t("Identity check: SSN ").e("US_SSN", g.ssn()).t(", ").t(g.dob_context()).e(
        "DATE_OF_BIRTH", g.date_of_birth()
    ).t("\n")
    d.t("Invoice ").n(g.order()).t(" for ").n(g.sku()).t(" stays on hold; approver ").e(
        "PERSON", g.person().full
    ).t(".")
    return d


def doc_patient_portal(g: Gen) -> Doc:
    p = g.person()
    d = Doc()
    d.t("Portal access issue\n")
    d.t("User ").e("PERSON", p.full).t(" cannot see lab results for ")
    d.t(g.choice(["MRN ", "medical record "] + (["patient record # "] if g.holdout else [])))
    d.e("MEDICAL_RECORD_NUMBER", g.mrn()).t(".\n")
    d.t("Last login from ").e("IP_ADDRESS", g.ip()).t(" using client ").n(g.version()).t(".\n")
    d.t("Verified identity with ").t(g.dob_context()).e("DATE_OF_BIRTH", g.date_of_birth())
    d.t(" and SSN ").e("US_SSN", g.ssn()).t(". Session ").n(g.uuid()).t(".\n")
    d.t("Mailing address: ").e("STREET_ADDRESS", g.address()).t(".")
    return d


TEMPLATES: Final[dict[str, Callable[[Gen], Doc]]] = {
    "support_ticket": doc_support_ticket,
    "hr_note": doc_hr_note,
    "clinical_request": doc_clinical,
    "oncall_handover": doc_handover,
    "email": doc_email,
    "payment_change": doc_payment_change,
    "patient_portal": doc_patient_portal,
}


def generate(n_docs: int, seed: int, split: str) -> list[dict[str, object]]:
    g = Gen(seed, split)
    kinds = list(TEMPLATES)
    records: list[dict[str, object]] = []
    for i in range(n_docs):
        kind = kinds[i % len(kinds)]
        doc = TEMPLATES[kind](g)
        text = doc.text
        for ent in doc.entities + doc.negatives:
            assert text[int(ent["start"]) : int(ent["end"])] == ent["value"], ent  # type: ignore[call-overload]
        records.append(
            {
                "id": f"{split}-{i:04d}",
                "split": split,
                "kind_of_doc": kind,
                "text": text,
                "entities": doc.entities,
                "negatives": doc.negatives,
            }
        )
    return records


SEED: Final = 20241129


def labelled_corpus(docs_dev: int = 91, docs_test: int = 63) -> list[dict]:
    """The whole generated set (1,058 entities of 13 kinds with the defaults); deterministic."""
    return generate(docs_dev, SEED, "dev") + generate(docs_test, SEED + 1, "test")
