"""Header names of personal columns in many languages: which column is an e-mail, a phone...

A convenience, never a safety net: recognising a header only says what kind of personal
data a column holds (so the e-mail and phone columns feed the duplicate check); a column
that is not recognised is still personal. Headers and terms are compared after
``header_key`` (Unicode NFKC, case-folded, accents stripped, punctuation as spaces); a
term matches a header equal to it, as whole words inside it, or inside a compound word
(terms of 5+ letters, e.g. "telefon" in "Mobiltelefonnummer"; CJK terms of 2+ characters).
Where terms of several kinds match, the longest wins ("alamat email" is an e-mail,
not an address). Languages: en, fr, es, pt, de, sw, ar, hi, id, ru, zh, tr, fa, bn, ha, am.
"""

from __future__ import annotations

import unicodedata
from functools import cache

# Kinds in order of precedence when two terms of equal length match.
KINDS = ("email", "phone", "postcode", "address", "city", "name")

_TERMS: dict[str, tuple[str, ...]] = {
    "email": (
        # en, fr, es, pt, de
        "email", "e-mail", "email address", "e-mail address", "mail", "mail address",
        "courriel", "adresse courriel", "adresse e-mail", "adresse mail", "mél",
        "correo", "correo electrónico", "correo-e", "dirección de correo",
        "correio eletrónico", "correio eletrônico", "endereço de e-mail", "endereço de email",
        "e-mail-adresse", "emailadresse", "mailadresse",
        # sw, ar, hi, id, ru
        "barua pepe", "anwani ya barua pepe",
        "البريد الإلكتروني", "بريد إلكتروني", "البريد الالكتروني", "الايميل", "الإيميل",
        "ईमेल", "ई-मेल", "ईमेल पता",
        "surel", "surat elektronik", "alamat email", "alamat surel",
        "электронная почта", "электронной почты", "эл почта", "емейл", "имейл", "почта",
        # zh, tr, fa, bn, ha, am
        "电子邮件", "电子邮箱", "邮箱", "电邮", "電子郵件", "郵箱", "電郵",
        "e-posta", "eposta", "e-posta adresi",
        "ایمیل", "پست الکترونیکی", "رایانامه",
        "ইমেইল", "ই-মেইল", "ইমেল",
        "imel", "i-mel", "adireshin imel",
        "ኢሜል", "ኢሜይል", "ኢ-ሜይል",
    ),
    "phone": (
        "phone", "phone number", "telephone", "tel", "mobile", "mobile number", "cell",
        "cellphone", "cell phone", "whatsapp", "contact number",
        "téléphone", "tél", "portable", "numéro de téléphone", "numéro de portable",
        "teléfono", "móvil", "celular", "número de teléfono", "número de celular",
        "telefone", "telemóvel", "número de telefone",
        "telefon", "telefonnummer", "handy", "handynummer", "mobilnummer", "rufnummer",
        "simu", "nambari ya simu", "namba ya simu", "rununu",
        "هاتف", "الهاتف", "رقم الهاتف", "جوال", "الجوال", "رقم الجوال", "موبايل",
        "फ़ोन", "फोन", "फ़ोन नंबर", "मोबाइल", "मोबाइल नंबर", "दूरभाष",
        "telepon", "nomor telepon", "ponsel", "hp", "no hp", "nomor hp", "telp",
        "телефон", "номер телефона", "мобильный", "мобильный телефон", "тел",
        "电话", "电话号码", "手机", "手机号", "手机号码", "联系电话", "電話", "手機",
        "telefon numarası", "cep telefonu", "cep no", "gsm",
        "تلفن", "شماره تلفن", "موبایل", "شماره موبایل", "تلفن همراه",
        "ফোন", "ফোন নম্বর", "মোবাইল", "মোবাইল নম্বর", "টেলিফোন",
        "waya", "lambar waya", "tarho", "lambar tarho",
        "ስልክ", "ስልክ ቁጥር", "ሞባይል",
    ),
    "postcode": (
        "postcode", "post code", "postal code", "zip", "zip code", "zipcode",
        "code postal", "código postal", "cep",
        "plz", "postleitzahl",
        "msimbo wa posta", "sanduku la posta",
        "الرمز البريدي", "رمز بريدي",
        "पिन कोड", "पिनकोड", "डाक कोड",
        "kode pos",
        "почтовый индекс", "индекс",
        "邮编", "邮政编码", "郵遞區號", "郵政編碼",
        "posta kodu",
        "کد پستی",
        "পোস্ট কোড", "পিন কোড",
        "lambar akwatin gidan waya",
        "የፖስታ ቁጥር",
    ),
    "address": (
        "address", "street", "street address", "home address", "postal address",
        "house number", "residence",
        "adresse", "rue", "adresse postale", "domicile",
        "dirección", "calle", "domicilio",
        "endereço", "morada", "rua", "logradouro",
        "anschrift", "straße", "strasse", "hausnummer",
        "anwani", "mtaa", "makazi",
        "العنوان", "عنوان", "الشارع",
        "पता", "गली", "निवास",
        "alamat", "jalan",
        "адрес", "улица", "домашний адрес",
        "地址", "住址", "街道", "家庭住址",
        "adres", "sokak", "cadde", "ev adresi",
        "آدرس", "نشانی", "خیابان",
        "ঠিকানা", "রাস্তা",
        "adireshi", "adireshin gida", "titi",
        "አድራሻ", "መንገድ",
    ),
    "city": (
        "city", "town", "village", "municipality", "locality",
        "ville", "commune", "localité",
        "ciudad", "municipio", "localidad", "pueblo",
        "cidade", "município", "localidade",
        "stadt", "ort", "wohnort", "gemeinde",
        "mji", "kijiji",
        "المدينة", "مدينة", "القرية",
        "शहर", "नगर", "गाँव",
        "kota", "desa", "kelurahan",
        "город", "населённый пункт",
        "城市", "市", "村",
        "şehir", "ilçe", "köy",
        "شهر", "روستا",
        "শহর", "গ্রাম",
        "gari", "birni", "ƙauye",
        "ከተማ",
    ),
    "name": (
        "name", "full name", "first name", "firstname", "given name", "last name",
        "lastname", "surname", "family name", "middle name", "forename",
        "nom", "prénom", "nom complet", "nom de famille", "prénoms",
        "nombre", "apellido", "apellidos", "nombre completo", "nombres",
        "nome", "sobrenome", "apelido", "nome completo",
        "vorname", "nachname", "familienname", "vollständiger name",
        "jina", "jina kamili", "jina la kwanza", "jina la ukoo", "majina",
        "الاسم", "اسم", "الاسم الكامل", "اسم العائلة", "الاسم الأول", "اللقب",
        "नाम", "पूरा नाम", "पहला नाम", "उपनाम",
        "nama", "nama lengkap", "nama depan", "nama belakang",
        "имя", "фамилия", "отчество", "фио", "полное имя",
        "姓名", "名字", "全名", "姓", "名",
        "ad", "adı", "soyad", "soyadı", "ad soyad", "isim", "tam ad",
        "نام", "نام خانوادگی", "نام کامل",
        "নাম", "পুরো নাম", "পদবি",
        "suna", "cikakken suna", "sunan mahaifi",
        "ስም", "ሙሉ ስም", "የአባት ስም",
    ),
}  # fmt: skip


def header_key(text: str) -> str:
    """A header as compared with the lexicon: NFKC, case-folded, accents and punctuation gone.

    >>> header_key("  Téléphone_Portable "), header_key("E-Mail-Adresse")
    ('telephone portable', 'e mail adresse')
    """
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    decomposed = unicodedata.normalize("NFD", folded)
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    # Letters, digits and spacing marks (the vowel signs of Indic scripts) make words.
    words = "".join(
        ch if ch.isalnum() or unicodedata.category(ch).startswith("M") else " "
        for ch in unicodedata.normalize("NFC", bare)
    )
    return " ".join(words.split())


def _is_cjk(text: str) -> bool:
    return all("\u3040" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


@cache
def _keys() -> tuple[tuple[str, str], ...]:
    """(kind, term key) for every term, longest first."""
    pairs = {(kind, header_key(term)) for kind, terms in _TERMS.items() for term in terms}
    return tuple(sorted(pairs, key=lambda p: (-len(p[1]), KINDS.index(p[0]), p[1])))


def _matches(key: str, term: str) -> bool:
    if key == term or f" {term} " in f" {key} ":
        return True
    if _is_cjk(term.replace(" ", "")):
        return len(term) >= 2 and term in key
    compact = term.replace(" ", "")
    return len(compact) >= 5 and compact in key.replace(" ", "")


def recognise_header(header: str) -> str | None:
    """The kind of personal data a header names (``email``, ``phone``, ...), or None.

    >>> [recognise_header(h) for h in ("courriel", "Telefonnummer", "jina kamili", "age")]
    ['email', 'phone', 'name', None]
    """
    key = header_key(header)
    if not key:
        return None
    return next((kind for kind, term in _keys() if _matches(key, term)), None)


def terms(kind: str) -> tuple[str, ...]:
    """The lexicon's terms of one kind, as written (for tests and documentation)."""
    return _TERMS[kind]
