"""Text normalisation, byte decoding and light repairs shared by every format reader.

The normalised text is the coordinate system of every record offset, so
:func:`normalise_text` must be deterministic and idempotent
(``normalise_text(normalise_text(t)) == normalise_text(t)``).
"""
from __future__ import annotations

import codecs
import re
import unicodedata

from charset_normalizer import from_bytes

from pipeline.ingest.dates import is_dateline

# Characters that carry no text: zero-width spaces/joiners, word joiner, BOM, soft hyphen,
# object replacement character (left behind by PDF-to-text converters for images).
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\ufffc\u180e"), None)
# C0/C1 control characters other than tab and newline.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\x80-\x9f]")
# Any Unicode space separator (NBSP, thin space, ideographic space, ...) and tabs.
_SPACES = re.compile(r"[^\S\n]+")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")

# Same closing characters as ``pipeline.nlp`` uses to decide a line is a full sentence.
SENTENCE_END = tuple(".!?:;\"”’)…")
# A line starting with a bullet or an enumerator starts a new unit.
_LIST_ITEM = re.compile(r"^(?:[-–—*•·▪■●◦‣○►✓]\s|\(?\d{1,3}[.)]\s|\(?[a-z][.)]\s)")
# A line counts as short (a heading, a dateline, a label) up to this many words, or below
# this fraction of the longest line of its block (wrapped text has lines of similar length).
SHORT_LINE_WORDS = 5
SHORT_LINE_RATIO = 0.7
# A longer short line is a heading only if at least this share of its words is capitalised
# ("Humanitarian Needs and Response"), unlike a wrapped piece of a sentence.
HEADING_CAPITALISED_SHARE = 0.5
# A line ending with one of these words continues on the next line.
_CONTINUATION_WORDS = frozenset(
    "a an the of to in on at by for from with into and or but nor as than that which who whose "
    "is are was were be been has have had its their his her our your this these those".split()
)
_ALPHA_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def _looks_like_heading(line: str, block_width: int) -> bool:
    words = line.split()
    if len(words) <= SHORT_LINE_WORDS:
        return True
    if len(line) >= SHORT_LINE_RATIO * block_width:
        return False
    alpha = _ALPHA_WORD.findall(line)
    capitalised = sum(w[0].isupper() for w in alpha)
    return bool(alpha) and capitalised >= HEADING_CAPITALISED_SHARE * len(alpha)


def _is_separate_unit(line: str, next_line: str | None, block_width: int) -> bool:
    """Whether ``line`` stands on its own (heading, dateline, label): no final
    punctuation, not ending with a function word, neither starting in lower case nor
    continued by a line that does, and short (few words, or short and mostly capitalised)."""
    if line.endswith(SENTENCE_END) or line.endswith((",", "-", "–", "—", "/", "&")):
        return False
    if line[:1].islower() or (next_line is not None and next_line[:1].islower()):
        return False  # part of a wrapped sentence
    last_word = line.rsplit(None, 1)[-1].lower()
    if last_word in _CONTINUATION_WORDS:
        return False
    if next_line is not None and is_dateline(next_line):
        return True  # "Statement by the Hawran Rights Collective" above "2 September 2021"
    return _looks_like_heading(line, block_width)


def _join_block(lines: list[str]) -> list[str]:
    """Join the lines of one blank-line-delimited block into paragraphs."""
    width = max(len(line) for line in lines)
    paragraphs: list[list[str]] = []
    previous_separate = True
    for i, line in enumerate(lines):
        next_line = lines[i + 1] if i + 1 < len(lines) else None
        separate = _is_separate_unit(line, next_line, width)
        prev_line = lines[i - 1] if i else None
        starts_new = (
            not paragraphs
            or previous_separate
            or _LIST_ITEM.match(line) is not None
            # a heading-like line after a finished sentence
            or (separate and prev_line is not None and prev_line.endswith(SENTENCE_END))
        )
        if starts_new:
            paragraphs.append([line])
        else:
            paragraphs[-1].append(line)
        previous_separate = separate
    return [" ".join(p) for p in paragraphs]


# spaCy's tokenizer strips prefix/suffix punctuation one character at a time, re-slicing the
# rest: a run of 10,000 quote marks without a space takes ~50 s (quadratic). Runs of symbols
# longer than this are broken by a space every SYMBOL_RUN_MAX characters (never prose).
SYMBOL_RUN_MAX = 100
_LONG_SYMBOL_RUN = re.compile(rf"[^\w\s]{{{SYMBOL_RUN_MAX + 1},}}")


def _break_symbol_run(match: re.Match[str]) -> str:
    run = match.group(0)
    return " ".join(run[i:i + SYMBOL_RUN_MAX] for i in range(0, len(run), SYMBOL_RUN_MAX))


def normalise_text(raw: str) -> str:
    """Normalise text into the pipeline's canonical form.

    Parameters
    ----------
    raw : str
        Text from any reader (or a user), with arbitrary line endings and spacing.

    Returns
    -------
    str
        NFC text without zero-width characters, soft hyphens or control characters; every
        Unicode space or tab becomes one ASCII space and runs are folded; lines are
        stripped; paragraphs are separated by exactly one blank line (``"\\n\\n"``).
        Inside a blank-line-delimited block, wrapped lines are joined with a space, except
        a line that looks like a unit of its own (short and without final punctuation,
        e.g. a heading, dateline or label; or a list item), which becomes its own
        paragraph. A blank line inside a sentence (previous paragraph ends with a letter
        or comma, next starts in lower case) is removed. Curly quotes, dashes and ellipses are kept. A run
        of more than :data:`SYMBOL_RUN_MAX` symbols without a space (a row of quote marks) gets a space
        every :data:`SYMBOL_RUN_MAX` characters, so that tokenizing it stays linear. No leading
        or trailing whitespace. Idempotent.
    """
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2029", "\n\n").replace("\u2028", "\n").replace("\x0c", "\n\n")
    text = text.translate(_INVISIBLE)
    text = _CONTROL.sub("", text)
    # after removing invisible characters, which may separate a letter from its accent
    text = unicodedata.normalize("NFC", text)
    text = _LONG_SYMBOL_RUN.sub(_break_symbol_run, text)
    text = _SPACES.sub(" ", text)
    paragraphs: list[str] = []
    for block in _PARAGRAPH_BREAK.split(text):
        lines = [line.strip() for line in block.split("\n")]
        lines = [line for line in lines if line]
        if not lines:
            continue
        joined = _join_block(lines)
        # A blank line inside a sentence (extraction artefact): the previous paragraph
        # stops without punctuation and this one starts in lower case.
        if paragraphs and _continues(paragraphs[-1], joined[0]):
            paragraphs[-1] = f"{paragraphs[-1]} {joined.pop(0)}"
        paragraphs.extend(joined)
    return "\n\n".join(paragraphs)


def _continues(previous: str, paragraph: str) -> bool:
    return (
        paragraph[:1].islower()
        and (previous[-1:].isalpha() or previous.endswith(","))
        and _LIST_ITEM.match(paragraph) is None
    )


# --------------------------------------------------------------------------- decoding

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Single-byte Latin code pages that charset-normalizer confuses with each other on short
# texts; for these cp1252 (by far the most common legacy encoding of English, French and
# Spanish publications) is preferred whenever it decodes the bytes cleanly.
_LATIN_CODEPAGES = frozenset(
    "ascii latin_1 cp1250 cp1252 cp1254 cp1257 cp437 cp850 cp858 iso8859_2 iso8859_3 "
    "iso8859_4 iso8859_9 iso8859_10 iso8859_13 iso8859_14 iso8859_15 iso8859_16 "
    "mac_roman mac_latin2 mac_iceland mac_turkish".split()
)


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode file bytes, guessing the encoding.

    Order: byte-order mark (UTF-32/UTF-8-sig/UTF-16), strict UTF-8, charset-normalizer's
    best guess (cp1252 preferred among Latin code pages), cp1252 with replacement.

    Returns
    -------
    (text, encoding)
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding), encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is not None and best.encoding not in _LATIN_CODEPAGES:
        return str(best), best.encoding
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        if best is not None:
            return str(best), best.encoding
    return data.decode("cp1252", errors="replace"), "cp1252"


# Characters that UTF-8 bytes turn into when mis-decoded as Latin-1 or cp1252.
_CP1252_EXTRA = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
_MOJIBAKE_RUN = re.compile(rf"[\u00c2-\u00f4][\u0080-\u00bf{_CP1252_EXTRA}]+(?:[\u00c2-\u00f4][\u0080-\u00bf{_CP1252_EXTRA}]+)*")


def _to_byte(char: str) -> int:
    code = ord(char)
    return code if code < 256 else char.encode("cp1252")[0]


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 text that was decoded as Latin-1/cp1252 (``â€™`` -> ``’``, ``Ø¨`` -> ``ب``).

    Only runs that re-decode as valid UTF-8 are replaced, so genuine accented text
    (``Île-à-Vache``) is left alone. Double-encoded text and text whose bytes were
    partly lost need ``ftfy``, which is not a dependency.
    """

    def fix(match: re.Match[str]) -> str:
        run = match.group(0)
        try:
            return bytes(_to_byte(c) for c in run).decode("utf-8")
        except (UnicodeDecodeError, UnicodeEncodeError):
            return run

    return _MOJIBAKE_RUN.sub(fix, text)


# --------------------------------------------------------------------------- clean-up

# Emphasis markers left over from Markdown converters (``**Addis Ababa—**``, ``\\_word\\_``):
# runs of ``*`` or ``_`` touching a word on one side only.
_STRAY_EMPHASIS = re.compile(r"(?<![\w*])[*_]+(?=[^\s*_])|(?<=[^\s*_])[*_]+(?![\w*])")
# A paragraph made only of separator glyphs: ``#####``, ``***``, ``---``, a lone bullet.
_SEPARATOR_PARAGRAPH = re.compile(r"^[\s#*=_~•·▪■●◦|\\-]+$")


def strip_stray_emphasis(text: str) -> str:
    """Remove Markdown emphasis markers that survived conversion, keeping the words."""
    return "\n".join(_STRAY_EMPHASIS.sub("", line) for line in text.split("\n"))


def drop_separator_paragraphs(text: str) -> str:
    """Drop paragraphs that contain only separator glyphs (``###``, ``* * *``, ``•``)."""
    kept = [p for p in text.split("\n\n") if not _SEPARATOR_PARAGRAPH.match(p)]
    return "\n\n".join(kept)


# --------------------------------------------------------------------------- language

_EN_STOPWORDS = frozenset(
    "the of and to in a is that for on with as by was were are be it this from at has have "
    "had not an or which their they said its been who will would also but after more than "
    "other all into over there his her he she we our these those between during against".split()
)
_WORD = re.compile(r"[^\W\d_]+")


def detect_language(text: str) -> str | None:
    """Cheap language hook: ``"en"`` when English function words are frequent, else None.

    The share of the 500 first words that are common English function words is about
    0.3-0.5 for English prose and below 0.05 for other languages.
    """
    words = [w.lower() for w in _WORD.findall(text[:20000])][:500]
    if len(words) < 3:
        return None
    hits = sum(w in _EN_STOPWORDS for w in words)
    ratio = hits / len(words)
    if ratio >= 0.12 or (len(words) < 20 and hits >= 2):
        return "en"
    return None


# Function words of the other languages NGO publications often come in (French, Spanish,
# German, Portuguese, Italian, Dutch): enough to tell them from English, not to analyse them.
_STOPWORDS = {
    "fr": frozenset("le la les des du un une et est sont dans pour par sur avec qui que ne pas au aux ce "
                    "cette ces il elle ils nous vous leur été ont".split()),
    "es": frozenset("el la los las del un una y es son en por para con que se no al lo como su sus "
                    "este esta fue han".split()),
    "de": frozenset("der die das den dem des und ist sind ein eine einer nicht mit von zu auf für im "
                    "sich auch wurde wurden".split()),
    "pt": frozenset("o os as do da dos das um uma e é são em no na por para com que não ao foi "
                    "foram seu sua".split()),
    "it": frozenset("il lo gli le del della dei delle un una e è sono in per con che non al alla "
                    "si stato".split()),
    "nl": frozenset("de het een en is zijn van in op met voor dat niet te aan door ook werd".split()),
}
# Writing systems that identify a language (family) on their own, by Unicode range
# (Persian and Urdu share the Arabic script and are reported as "ar").
_SCRIPTS = (
    ("ar", re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("he", re.compile(r"[\u0590-\u05ff]")),
    ("el", re.compile(r"[\u0370-\u03ff]")),
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("hi", re.compile(r"[\u0900-\u097f]")),
)
LANGUAGE_NAMES = {
    "en": "English", "fr": "French", "es": "Spanish", "de": "German", "pt": "Portuguese", "it": "Italian",
    "nl": "Dutch", "ar": "Arabic script", "ru": "Cyrillic script", "he": "Hebrew", "el": "Greek",
    "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "hi": "Devanagari script",
}
# A script covering more than this share of the letters names the language.
SCRIPT_SHARE = 0.5
# Another Latin-script language needs at least this share of its function words, and more
# than English has, to be named (and at least this many hits in a short text).
OTHER_LANGUAGE_RATIO = 0.12
OTHER_LANGUAGE_MIN_HITS = 3


def identify_language(text: str) -> str | None:
    """ISO 639-1 code of the language a text is written in, when it can be told cheaply.

    ``"en"`` as :func:`detect_language`; else a code from the writing system when one
    non-Latin script makes up most letters (``"ar"`` for Arabic script, ``"ru"`` for
    Cyrillic, ``"zh"``, ...), or from the function words of French, Spanish, German,
    Portuguese, Italian or Dutch; None when the text is too short or unlike any of them
    (lists of names or figures). Used to refuse non-English documents instead of
    mis-analysing them with an English model.
    """
    head = text[:20000]
    letters = sum(map(str.isalpha, head))  # map: a tenth of the cost of a generator here
    if letters:
        for code, script in _SCRIPTS:
            if len(script.findall(head)) > SCRIPT_SHARE * letters:
                return code
    english = detect_language(text)
    if english:
        return english
    words = [w.lower() for w in _WORD.findall(head)][:500]
    if not words:
        return None
    en_hits = sum(w in _EN_STOPWORDS for w in words)
    best, best_hits = None, 0
    for code, stopwords in _STOPWORDS.items():
        hits = sum(w in stopwords for w in words)
        if hits > best_hits:
            best, best_hits = code, hits
    if (best and best_hits >= OTHER_LANGUAGE_MIN_HITS and best_hits > en_hits
            and best_hits / len(words) >= OTHER_LANGUAGE_RATIO):
        return best
    return None
