"""A hand-written labelled PII set: the honest half of the privacy benchmark and the tests' quality floor.

Free-form documents (chat, postmortem, letter, CI variables, SMS export, logs, forms) with names in
running prose and without cue words, international formats and hard negatives (versions that look like
IPs, bank codes, booking references, event dates). They were written apart from the recognizers and
are not tuned against: a miss here is a real miss. Each value occurs exactly once in its document.
"""

from __future__ import annotations

from typing import Final

# (kind of document, text, [(type, value)], [hard negatives])
DOCS: Final[list[tuple[str, str, list[tuple[str, str]], list[str]]]] = [
    (
        "chat",
        "ok so Wang Xiuying says the refund never landed, she gave me 4929 1234 5678 9012 but "
        "that looks like a test card tbh. ping me if Oleksandr wants the logs from 10.20.30.40",
        [("PERSON", "Wang Xiuying"), ("PERSON", "Oleksandr"), ("IP_ADDRESS", "10.20.30.40")],
        [],
    ),
    (
        "incident",
        "Postmortem for outage 2024-07-19: Aarav Shah merged a config that exposed "
        "AKIAIOSFODNN7EXAMPLE in the build log; Chinonso Obi rotated it within 20 minutes. "
        "Release 4.12.0 shipped the fix (commit 9f8e7d6c5b4a).",
        [("PERSON", "Aarav Shah"), ("CLOUD_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE"), ("PERSON", "Chinonso Obi")],
        ["2024-07-19", "4.12.0", "9f8e7d6c5b4a"],
    ),
    (
        "clinical",
        "Seen today: 67-year-old woman, Mrs Bích Ngọc Trương, chart 00739182, accompanied by "
        "her son Quang. She was born in Huế on 3 March 1957 and now lives at 18 Rue Mouffetard, "
        "75005 Paris.",
        [
            ("PERSON", "Bích Ngọc Trương"),
            ("MEDICAL_RECORD_NUMBER", "00739182"),
            ("PERSON", "Quang"),
            ("DATE_OF_BIRTH", "3 March 1957"),
            ("STREET_ADDRESS", "18 Rue Mouffetard, 75005 Paris"),
        ],
        ["Huế"],
    ),
    (
        "hr",
        "Salma Benjelloun (joined 2019) asked to move her salary to the new Deutsche Bank account "
        "DE44 5001 0517 5407 3249 31; her old one, 0012345678, should be closed. Her SSN on file is "
        "512-44-8901.",
        [
            ("PERSON", "Salma Benjelloun"),
            ("IBAN_CODE", "DE44 5001 0517 5407 3249 31"),
            ("BANK_ACCOUNT", "0012345678"),
            ("US_SSN", "512-44-8901"),
        ],
        ["2019"],
    ),
    (
        "support",
        "Caller identified herself as Kaito Morimoto's assistant, Yuna, calling from "
        "+81 90-1234-5678. Order 7712009981 for SKU-1180-QQ was delivered to "
        "2-14-5 Jingumae, Shibuya-ku, Tokyo 150-0001 on 12/09/2024.",
        [
            ("PERSON", "Kaito Morimoto"),
            ("PERSON", "Yuna"),
            ("PHONE_NUMBER", "+81 90-1234-5678"),
            ("STREET_ADDRESS", "2-14-5 Jingumae, Shibuya-ku, Tokyo 150-0001"),
        ],
        ["7712009981", "SKU-1180-QQ", "12/09/2024"],
    ),
    (
        "email",
        "Thanks Björn — I've cc'd Anneli Virtanen. For the audit she needs the passport (P1234567?) "
        "no wait, it's FJ4422918. Send it to anneli.virtanen@fin-audit.fi before Friday.",
        [
            ("PERSON", "Björn"),
            ("PERSON", "Anneli Virtanen"),
            ("PASSPORT", "FJ4422918"),
            ("EMAIL_ADDRESS", "anneli.virtanen@fin-audit.fi"),
        ],
        ["P1234567"],
    ),
    (
        "ops",
        "On the night of the 14th Tunde Bakare saw traffic from 2a02:26f0:fe::5c and 185.199.108.153 "
        "hitting /v2/orders/8a7b6c5d-1e2f-4a3b-9c8d-7e6f5a4b3c2d. The Slack bot token "
        "xoxb-2837465012-9283746501928-QwErTyUiOpAsDfGhJkLzXcVb was revoked.",
        [
            ("PERSON", "Tunde Bakare"),
            ("IP_ADDRESS", "2a02:26f0:fe::5c"),
            ("IP_ADDRESS", "185.199.108.153"),
            ("CLOUD_ACCESS_KEY", "xoxb-2837465012-9283746501928-QwErTyUiOpAsDfGhJkLzXcVb"),
        ],
        ["8a7b6c5d-1e2f-4a3b-9c8d-7e6f5a4b3c2d"],
    ),
    (
        "letter",
        "Dear Ms. Gonzalez-Iñárritu,\nwe write regarding the claim filed by your late father, "
        "Rafael Gonzalez, born 22/11/1938, resident at Calle de Alcalá 45, 28014 Madrid. "
        "Please quote reference CLM-2024-00917 in any reply.",
        [
            ("PERSON", "Gonzalez-Iñárritu"),
            ("PERSON", "Rafael Gonzalez"),
            ("DATE_OF_BIRTH", "22/11/1938"),
            ("STREET_ADDRESS", "Calle de Alcalá 45, 28014 Madrid"),
        ],
        ["CLM-2024-00917"],
    ),
    (
        "notes",
        "1:1 with Mei-Ling Tsai. Discussed her move to Seattle; new address 901 Pine St, Unit 12, "
        "Seattle, WA 98101. Mobile (206) 555-0143. Corporate Amex 3714 496353 98431 to be cancelled.",
        [
            ("PERSON", "Mei-Ling Tsai"),
            ("STREET_ADDRESS", "901 Pine St, Unit 12, Seattle, WA 98101"),
            ("PHONE_NUMBER", "(206) 555-0143"),
            ("CREDIT_CARD", "3714 496353 98431"),
        ],
        ["move to Seattle"],
    ),
    (
        "lab",
        "Specimen for patient Rustam Nazarov (DOB 1979-06-30, MRN H-5531920) arrived; Dr Ifeoma "
        "Chukwu will review. Analyzer firmware 2.7.11, batch 20240611-03.",
        [
            ("PERSON", "Rustam Nazarov"),
            ("DATE_OF_BIRTH", "1979-06-30"),
            ("MEDICAL_RECORD_NUMBER", "H-5531920"),
            ("PERSON", "Ifeoma Chukwu"),
        ],
        ["2.7.11", "20240611-03"],
    ),
    (
        "ci",
        "export DATABRICKS_TOKEN=dapi0f1e2d3c4b5a69788796a5b4c3d2e1f0 # owner: priya.nair@acme-corp.com\n"
        "GITHUB_TOKEN=ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A\nimage: python:3.11.7",
        [
            ("CLOUD_ACCESS_KEY", "dapi0f1e2d3c4b5a69788796a5b4c3d2e1f0"),
            ("EMAIL_ADDRESS", "priya.nair@acme-corp.com"),
            ("CLOUD_ACCESS_KEY", "ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A"),
        ],
        ["3.11.7"],
    ),
    (
        "uk",
        "Delivery for Siobhan McAllister, Flat 2, 47 Great Western Road, Glasgow G4 9AW. She can be "
        "reached on +44 7700 900461. Courier ref GB-88213-X, London depot.",
        [
            ("PERSON", "Siobhan McAllister"),
            ("STREET_ADDRESS", "Flat 2, 47 Great Western Road, Glasgow G4 9AW"),
            ("PHONE_NUMBER", "+44 7700 900461"),
        ],
        ["GB-88213-X", "London"],
    ),
    # Written after the recognizers were finished and not tuned against.
    (
        "meeting",
        "Attendees: Lars Eriksen, Priyanka Chopra-Nair and Tomás Ó Briain. She will send the draft "
        "to tomas.obriain@civic-data.ie by Thursday. Budget line 4410-22 approved; next review "
        "2025-02-14.",
        [
            ("PERSON", "Lars Eriksen"),
            ("PERSON", "Priyanka Chopra-Nair"),
            ("PERSON", "Tomás Ó Briain"),
            ("EMAIL_ADDRESS", "tomas.obriain@civic-data.ie"),
        ],
        ["4410-22", "2025-02-14"],
    ),
    (
        "insurance",
        "Claim 88-41920-A. The insured, Mr. Adebayo Ogunlesi (date of birth 14/02/1971), reported "
        "the theft at his home, 27 Admiralty Way, Lekki, Lagos. Policy holder contact: "
        "+234 803 555 7821. Vehicle plate KJA-482-XY.",
        [
            ("PERSON", "Adebayo Ogunlesi"),
            ("DATE_OF_BIRTH", "14/02/1971"),
            ("STREET_ADDRESS", "27 Admiralty Way, Lekki, Lagos"),
            ("PHONE_NUMBER", "+234 803 555 7821"),
        ],
        ["88-41920-A", "KJA-482-XY"],
    ),
    (
        "sms",
        "[2024-05-02 08:14] Jonas Weber (+49 171 3345987): bin in 10 min da\n"
        "[2024-05-02 08:15] Ich: ok, der Schlüssel liegt bei Frau Krüger",
        [("PERSON", "Jonas Weber"), ("PHONE_NUMBER", "+49 171 3345987"), ("PERSON", "Krüger")],
        ["08:14"],
    ),
    (
        "wire",
        "Please wire the deposit to Sparkasse, Kontonummer 1234567890, BLZ 37050198, Inhaber: Dietrich "
        "Hoffmann. For international transfers use IBAN DE89 3704 0044 0532 0130 00.",
        [
            ("BANK_ACCOUNT", "1234567890"),
            ("PERSON", "Dietrich Hoffmann"),
            ("IBAN_CODE", "DE89 3704 0044 0532 0130 00"),
        ],
        ["37050198"],
    ),
    (
        "security",
        "Access review: the key AKIAJ7Q2EXAMPLE4XYZW was found in repo infra-tools; it belonged to "
        "svc-deploy. Last used from 2001:0db8:85a3:0000:0000:8a2e:0370:7334 on 2024-11-02. Contact "
        "the owner, Wanjiru Kamau (wanjiru.k@cloudops.co.ke).",
        [
            ("CLOUD_ACCESS_KEY", "AKIAJ7Q2EXAMPLE4XYZW"),
            ("IP_ADDRESS", "2001:0db8:85a3:0000:0000:8a2e:0370:7334"),
            ("PERSON", "Wanjiru Kamau"),
            ("EMAIL_ADDRESS", "wanjiru.k@cloudops.co.ke"),
        ],
        ["infra-tools", "svc-deploy", "2024-11-02"],
    ),
    (
        "pharmacy",
        "Rx refill for Guadalupe Reyes, born 1962-09-08, MRN 44820193. Deliver to 3150 Mission "
        "Street, San Francisco, CA 94110. Dosage 2.5 mg twice daily; lot 24-0915.",
        [
            ("PERSON", "Guadalupe Reyes"),
            ("DATE_OF_BIRTH", "1962-09-08"),
            ("MEDICAL_RECORD_NUMBER", "44820193"),
            ("STREET_ADDRESS", "3150 Mission Street, San Francisco, CA 94110"),
        ],
        ["2.5 mg", "24-0915"],
    ),
    (
        "forum",
        "Posted by kenji_w on 03/04/2023: my router keeps handing out 192.168.0.254 to two devices, "
        "firmware v1.0.4.118. Anyone else? - Kenji Watanabe, Osaka",
        [("IP_ADDRESS", "192.168.0.254"), ("PERSON", "Kenji Watanabe")],
        ["03/04/2023", "1.0.4.118", "Osaka"],
    ),
    (
        "passport desk",
        "Applicant Olga Ivanova Petrenko presented Ukrainian passport FE123456 (issued 2019); "
        "her previous passport number was EK998877. Appointment slot 14:30, desk 7.",
        [("PERSON", "Olga Ivanova Petrenko"), ("PASSPORT", "FE123456"), ("PASSPORT", "EK998877")],
        ["2019", "14:30"],
    ),
    (
        "tax form",
        "Taxpayer: Michael O'Donnell Jr.\nSSN: 536-22-1984\nFiling status: married\nSpouse: Aisling "
        "O'Donnell, SSN 219 09 9999\nRefund to checking account 000123456789, routing 021000021.",
        [
            ("PERSON", "Michael O'Donnell"),
            ("US_SSN", "536-22-1984"),
            ("PERSON", "Aisling O'Donnell"),
            ("US_SSN", "219 09 9999"),
            ("BANK_ACCOUNT", "000123456789"),
        ],
        ["021000021"],
    ),
    (
        "recruiting",
        "Shortlist for the data engineer role: Thandiwe Mokoena (5 yrs Spark), Rahul Gupta (Kafka, "
        "Flink) and Mariana Costa e Silva. Call him first - his mobile is +91 98450 12345. Salary "
        "band L4, requisition REQ-2291.",
        [
            ("PERSON", "Thandiwe Mokoena"),
            ("PERSON", "Rahul Gupta"),
            ("PERSON", "Mariana Costa e Silva"),
            ("PHONE_NUMBER", "+91 98450 12345"),
        ],
        ["REQ-2291"],
    ),
    (
        "itinerary",
        "Booking ref QX7P2L for passenger LI/XIAOMING MR, flight CA981 on 12 May 2025. Frequent "
        "flyer 8812 3345 901. Emergency contact: Li Na, +86 139 1234 5678.",
        [("PERSON", "LI/XIAOMING"), ("PERSON", "Li Na"), ("PHONE_NUMBER", "+86 139 1234 5678")],
        ["QX7P2L", "CA981", "12 May 2025", "8812 3345 901"],
    ),
    (
        "parcel",
        "Send the samples to Prof. Hélène Dubois, Laboratoire de Chimie, 4 place Jussieu, 75005 Paris, "
        "France. Her assistant Mathieu can sign for it.",
        [
            ("PERSON", "Hélène Dubois"),
            ("STREET_ADDRESS", "4 place Jussieu, 75005 Paris"),
            ("PERSON", "Mathieu"),
        ],
        [],
    ),
    (
        "vpn log",
        "2024-08-30T22:41:07Z vpn login failed for Anil Kumar from 203.0.113.77 (device 5f3c9a1e); "
        "gateway 10.0.4.12 build 7.2.0.",
        [("PERSON", "Anil Kumar"), ("IP_ADDRESS", "203.0.113.77"), ("IP_ADDRESS", "10.0.4.12")],
        ["5f3c9a1e", "7.2.0"],
    ),
    (
        "dispute",
        "Cardholder Yusuf Özdemir disputes a charge on 6011 0009 9013 9424 from 'GAMESTOP 0448'. "
        "The card was reported lost on 2 Jan. Reply to yusuf.ozdemir@posteo.de.",
        [
            ("PERSON", "Yusuf Özdemir"),
            ("CREDIT_CARD", "6011 0009 9013 9424"),
            ("EMAIL_ADDRESS", "yusuf.ozdemir@posteo.de"),
        ],
        ["GAMESTOP 0448"],
    ),
]


def labelled_documents() -> list[dict]:
    """The set in the generated corpus's record format, offsets found by exact search."""
    records = []
    for number, (kind, text, entities, negatives) in enumerate(DOCS):
        spans = []
        for value in [value for _, value in entities] + negatives:
            if text.count(value) != 1:
                raise ValueError(f"document {number}: {value!r} must occur exactly once")
            spans.append({"start": text.index(value), "end": text.index(value) + len(value), "value": value})
        typed = [{**span, "type": kind_} for span, (kind_, _) in zip(spans, entities, strict=False)]
        records.append(
            {
                "id": f"hand-{number:03d}",
                "split": "handwritten",
                "kind_of_doc": kind,
                "text": text,
                "entities": typed,
                "negatives": spans[len(entities) :],
            }
        )
    return records
