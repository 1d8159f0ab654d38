"""HTML to text: trafilatura for full pages, a structural lxml walk for fragments.

Both produce one paragraph per block element (``p``, headings, list items, table rows),
separated by a blank line. ``<br>`` also breaks the paragraph: authors use it for
addresses and label lists ("Date: ...", "Time: ..."), not to wrap prose.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

from pipeline.ingest.dates import to_iso_date
from pipeline.ingest.errors import IngestError

_SKIP = frozenset(
    "script style noscript iframe img svg head nav form button select option textarea "
    "template object embed video audio canvas map picture source track input label".split()
)
_BLOCK = frozenset(
    "p div h1 h2 h3 h4 h5 h6 ul ol li table thead tbody tfoot tr blockquote section "
    "article aside header footer main pre dl dt dd figure figcaption hr address caption "
    "details summary center".split()
)
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_CELL = frozenset(("td", "th"))
_WHITESPACE = re.compile(r"\s+")
# Below this share of the plain walk's text, trafilatura is assumed to have lost content.
MIN_TRAFILATURA_SHARE = 0.3


@dataclass
class HtmlText:
    text: str
    headings: list[str] = field(default_factory=list)


def _walk(element: etree._Element, out: list[str], headings: list[str], in_pre: bool = False,
          number: int | None = None) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    tag = tag.lower()
    if tag in _SKIP or not isinstance(element.tag, str):
        # comments and processing instructions: keep only the tail text
        if element.tail:
            out.append(element.tail if in_pre else _WHITESPACE.sub(" ", element.tail))
        return
    pre = in_pre or tag == "pre"
    if tag == "br":  # an explicit break (address, label list), not a wrapped line
        out.append("\n\n")
    elif tag in _BLOCK:
        out.append("\n\n")
    if tag == "li" and number is not None:  # an item of an ordered list, numbered by its parent
        out.append(f"{number}. ")
    start = len(out)
    if element.text:
        out.append(element.text if pre else _WHITESPACE.sub(" ", element.text))
    items = 0  # counted as the children are walked: finding each item's index was quadratic
    for child in element:
        if tag == "ol" and child.tag == "li":
            items += 1
            _walk(child, out, headings, pre, items)
        else:
            _walk(child, out, headings, pre)
    if tag in _HEADINGS:
        heading = _WHITESPACE.sub(" ", "".join(out[start:])).strip()
        if heading:
            headings.append(heading)
    if tag in _CELL:
        out.append(" | ")
    elif tag in _BLOCK:
        out.append("\n\n")
    if element.tail:
        out.append(element.tail if in_pre else _WHITESPACE.sub(" ", element.tail))


# Characters lxml refuses in a string (NUL and C0 controls other than tab and newlines)
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(html: str) -> str:
    """``html`` without the control characters lxml cannot take (a form feed in a saved page)."""
    return _XML_INVALID.sub("", html)


def html_to_text(html: str) -> HtmlText:
    """Plain text of an HTML document or fragment by walking its element tree.

    Scripts, styles, images and iframes are dropped; links keep their text; block
    elements become paragraphs; ordered-list items keep their number; table cells are
    separated by ``" | "``.
    """
    html = xml_safe(html)
    if not html.strip():
        return HtmlText("")
    parser = lxml.html.HTMLParser()
    if _is_full_page(html):
        root = lxml.html.fromstring(html, parser=parser)
    else:
        root = lxml.html.fragment_fromstring(html, create_parent="div", parser=parser)
    if any(error.type_name == "ERR_RESOURCE_LIMIT" for error in parser.error_log):
        # libxml2 stops descending at 256 levels and drops what lies deeper: refuse rather
        # than return a text with silent holes
        raise IngestError("corrupt", "HTML nested too deeply (more than 256 levels): its text cannot be read whole")
    body = root.find(".//body") if root.tag == "html" else root
    out: list[str] = []
    headings: list[str] = []
    _walk(body if body is not None else root, out, headings)
    text = "".join(out)
    text = re.sub(r"[ \t]*\|[ \t]*(?=\n|$)", "", text)  # trailing cell separator of a row
    return HtmlText(text, headings)


def _is_full_page(html: str) -> bool:
    head = html[:2000].lower()
    return "<html" in head or "<body" in head or "<!doctype" in head


def _meta(root: etree._Element) -> dict[str, str]:
    meta: dict[str, str] = {}
    for tag in root.iter("meta"):
        key = (tag.get("property") or tag.get("name") or tag.get("itemprop") or "").strip().lower()
        content = (tag.get("content") or "").strip()
        if key and content and key not in meta:
            meta[key] = content
    return meta


_TITLE_KEYS = ("og:title", "twitter:title", "dc.title", "dcterms.title", "citation_title")
_DATE_KEYS = (
    "article:published_time", "datepublished", "dc.date", "dc.date.issued", "dcterms.issued",
    "dcterms.date", "date", "pubdate", "publish-date", "publication_date", "citation_publication_date",
    "og:published_time",
)
_AUTHOR_KEYS = ("author", "dc.creator", "article:author", "citation_author")


def html_metadata(html: str) -> dict[str, str | None]:
    """Title, publication date and author declared in the page's markup (not guessed from text).

    Title: ``og:title``/``twitter:title``/Dublin Core, else ``<title>``. Date: publication
    ``<meta>`` tags, else a ``<time datetime>`` element. Author: ``<meta name=author>``.
    """
    html = xml_safe(html)
    if not _is_full_page(html):
        return {}
    try:
        root = lxml.html.fromstring(html)
    except (etree.ParserError, ValueError):
        return {}
    meta = _meta(root)
    title = next((meta[k] for k in _TITLE_KEYS if k in meta), None)
    if title is None:
        node = root.find(".//title")
        if node is not None and node.text_content().strip():
            title = _WHITESPACE.sub(" ", node.text_content()).strip()
    published = next((to_iso_date(meta[k]) for k in _DATE_KEYS if k in meta), None)
    if published is None:
        for node in root.iter("time"):
            if node.get("datetime") and (published := to_iso_date(node.get("datetime"))):
                break
    author = next((meta[k] for k in _AUTHOR_KEYS if k in meta), None)
    return {"title": title, "published": published, "author": author}


def extract_main_text(html: str) -> HtmlText:
    """Main text of an HTML page or fragment.

    A bare fragment (a CMS body, a ReliefWeb ``body``) has no boilerplate, so it is read
    whole with :func:`html_to_text`; trafilatura's scoring could drop short paragraphs
    such as datelines and contacts. A full page goes through trafilatura
    (``favor_recall=True``, comments excluded); if it returns nothing or far less than
    the page's text, the plain walk is used instead.
    """
    html = xml_safe(html)
    walked = html_to_text(html)
    if not _is_full_page(html):
        return walked
    import trafilatura  # here, not at the top: a run with no full page to read never pays its import

    extracted = trafilatura.extract(
        html,
        output_format="txt",
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        favor_recall=True,
        deduplicate=False,
        with_metadata=False,
    )
    if not extracted or len(extracted) < MIN_TRAFILATURA_SHARE * len(walked.text.strip()):
        return walked
    # trafilatura puts one block per line: make each its own paragraph.
    return HtmlText(extracted.replace("\n", "\n\n"), walked.headings)
