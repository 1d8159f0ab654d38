"""Build the binary and JSON members of the bundled sample corpus.

The texts below are fictional: they were written for this project in the style of NGO
publications, and the organisations and people in them are invented. Running this script
(re)writes three files in ``corpus/``:

- ``07_ohro_annual_report_2024.pdf`` (fpdf2; running header, page numbers, a word
  hyphenated across a line break),
- ``08_tra_yemen_briefing_2022.docx`` (python-docx; core properties title, author, created),
- ``09_dhen_sudan_el_fasher_2024.json`` (a ReliefWeb-style API record whose ``body_text``
  is HTML).

Usage::

    .venv/bin/python scripts/build_corpus.py [--out corpus]
"""
from __future__ import annotations

import argparse
import datetime as dt
import html
import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# A Unicode TTF keeps curly quotes and dashes in the PDF; the core fonts are latin-1 only.
DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")

# --------------------------------------------------------------------------------------
# 07: annual report (PDF)
# Blocks are ("title" | "subtitle" | "h" | "p" | "li", text). A "\n" inside a "p" block is
# a forced line break; "docu-\nmented" therefore prints as a word hyphenated across lines.
# --------------------------------------------------------------------------------------
PDF_NAME = "07_ohro_annual_report_2024.pdf"
PDF_META = {
    "title": "Syria 2024: A Year of Rupture",
    "author": "Orontes Human Rights Observatory",
    "created": dt.datetime(2024, 12, 30, 9, 0, tzinfo=dt.timezone.utc),
}
PDF_HEADER = "Orontes Human Rights Observatory | Syria 2024: A Year of Rupture"
PDF_BLOCKS: list[tuple[str, str]] = [
    ("title", "Syria 2024: A Year of Rupture"),
    ("subtitle", "Annual human rights report of the Orontes Human Rights Observatory"),
    ("subtitle", "Published 30 December 2024"),
    ("h", "Summary"),
    ("p", "The year 2024 ended with the collapse of the Assad government on 8 December, after "
          "more than 13 years of conflict and more than half a century of rule by one family. "
          "For most of the year, however, the patterns of abuse that the Orontes Human Rights "
          "Observatory (OHRO) has documented since 2013 continued unchanged."),
    ("p", "In 2024 we recorded the deaths of 1,612 civilians, including 318 children and 203 "
          "women. Government and Russian forces were responsible for 41 per cent of these "
          "deaths, and unexploded ordnance killed a further 96 people, most of them farmers "
          "and children."),
    ("p", "Yara Saleh, Director of the Orontes Human Rights Observatory, said:"),
    ("p", "“The fall of the government has opened the prisons, but it has not yet opened the "
          "truth. Families need names, graves and justice, and they need them before the "
          "evidence disappears.”"),
    ("h", "Attacks on civilians"),
    ("p", "Between October and November, government and Russian aircraft carried out hundreds "
          "of strikes on Idlib and western Aleppo. On 14 October, a strike on the vegetable "
          "market in Ariha killed 12 civilians, among them five children, and wounded dozens. "
          "A school in Darat Izza was hit on 3 November while classes were in session; a "
          "12-year-old boy and his teacher were killed."),
    ("p", "“The market was full because it was the morning of the weekly bazaar,” said Huda "
          "Ibrahim, OHRO’s field coordinator in Idlib. “Whoever chose that hour knew exactly "
          "what it would do.”"),
    ("p", "Ibrahim said that at least 7 of the 23 health facilities her team visited in "
          "November had been damaged by shelling during the year."),
    ("h", "Detention and the opening of the prisons"),
    ("p", "When opposition forces reached Damascus, the doors of Sednaya and other prisons were "
          "opened. Tens of thousands of families travelled to the prisons in search of "
          "relatives; most found nothing. Our team registered 4,230 requests for information "
          "from families in the 10 days after 8 December, of which fewer than 400 have so far "
          "led to a confirmed identification."),
    ("p", "Over the past decade the Observatory has docu-\nmented more than 27,000 cases of "
          "enforced disappearance, 2,140 of them involving people who had returned from "
          "abroad. Mass graves near Qutayfah and Najha must now be protected and excavated by "
          "forensic experts, not by bulldozers, as happened at one site in December."),
    ("p", "“The prisons are open, but the files are still closed.” — Tarek Hamwi, head of "
          "documentation, OHRO"),
    ("h", "Refugee returns"),
    ("p", "Between late September and November, nearly half a million people crossed from "
          "Lebanon into Syria to escape Israeli strikes, most of them Syrian refugees returning "
          "to a country many had fled a decade earlier. According to UNHCR, more than 115,000 "
          "Syrians returned from neighbouring countries in the three weeks after 8 December."),
    ("p", "Within days of the government’s fall, several European states suspended decisions on "
          "asylum claims by Syrians, and some announced plans for “return programmes”. We "
          "warned that the conditions for safe, voluntary and dignified returns “are not yet "
          "in place”, and that houses, land and documents must first be restored."),
    ("h", "Normalisation and sanctions"),
    ("p", "Before December, the trend was towards normalisation. In July, Italy became the first "
          "G7 state to announce it would return an ambassador to Damascus, and several Arab "
          "states deepened their contacts with the government following its readmission to "
          "the Arab League in May 2023. Trade through the Jaber-Nassib crossing with Jordan rose "
          "by about 30% over the year, according to Jordanian customs data, before falling sharply in December."),
    ("p", "Sanctions imposed by the United States, the United Kingdom and the European Union "
          "remained in place at the end of the year. We believe that any relief should be "
          "sequenced so that it benefits Syrians rather than those who profited from the war, "
          "and that individual listings of people responsible for torture must stay."),
    ("h", "Accountability"),
    ("p", "In May, the Paris Criminal Court convicted three senior officials in absentia for "
          "complicity in crimes against humanity over the deaths in detention of a father and "
          "son. Proceedings under universal jurisdiction continued in Germany, Sweden and the "
          "Netherlands, and the case brought by Canada and the Netherlands against Syria at the "
          "International Court of Justice moved forward."),
    ("p", "“Universal jurisdiction kept the door to justice open when every other door was "
          "shut,” Saleh said, “but it cannot replace a national process that Syrians own.”"),
    ("h", "Humanitarian access"),
    ("p", "Aid continued to cross from Türkiye through Bab al-Hawa under the consent of the "
          "Syrian government, renewed for six months in January and again in July. The 2024 "
          "humanitarian response plan, which sought US$4.07 billion, was only 32% funded, and "
          "the World Food Programme ended its general food assistance programme in January, "
          "affecting about 3 million people."),
    ("p", "OCHA said in a statement in December that 16.7 million people across Syria needed "
          "humanitarian assistance, the highest number since the crisis began."),
    ("h", "Recommendations"),
    ("li", "Protect all detention sites, archives and mass graves, and give families access to "
           "the records."),
    ("li", "Support the Independent Institution on Missing Persons in the Syrian Arab Republic "
           "with funding and access."),
    ("li", "Halt forced or premature returns and fund recovery in areas of return."),
    ("li", "Sequence sanctions relief on human rights benchmarks."),
    ("li", "Keep all cross-border and cross-line routes open for humanitarian aid."),
]


def _pdf_fonts(pdf) -> tuple[str, bool]:
    """Register DejaVu Sans when present; otherwise fall back to core Helvetica."""
    regular, bold = DEJAVU_DIR / "DejaVuSans.ttf", DEJAVU_DIR / "DejaVuSans-Bold.ttf"
    if regular.exists() and bold.exists():
        pdf.add_font("DejaVu", "", str(regular))
        pdf.add_font("DejaVu", "B", str(bold))
        return "DejaVu", True
    return "Helvetica", False


def _latin1(text: str) -> str:
    """Straight quotes and hyphens for the latin-1 core fonts."""
    table = {"“": '"', "”": '"', "‘": "'", "’": "'", "—": "-", "–": "-", "Ü": "U", "ü": "u"}
    return "".join(table.get(ch, ch) for ch in text)


def build_pdf(out: Path) -> Path:
    from fpdf import FPDF

    class Report(FPDF):
        font_name = "Helvetica"

        def header(self):
            self.set_font(self.font_name, "", 8)
            self.set_text_color(110, 110, 110)
            self.cell(0, 6, self.clean(PDF_HEADER), align="R", new_x="LMARGIN", new_y="NEXT")
            self.ln(4)
            self.set_text_color(0, 0, 0)

        def footer(self):
            self.set_y(-15)
            self.set_font(self.font_name, "", 8)
            self.cell(0, 10, f"Page {self.page_no()} of {{nb}}", align="C")

        def clean(self, text: str) -> str:
            return text if self.unicode_ok else _latin1(text)

    pdf = Report(format="A4")
    Report.font_name, Report.unicode_ok = _pdf_fonts(pdf)
    pdf.set_title(PDF_META["title"])
    pdf.set_author(PDF_META["author"])
    pdf.set_creation_date(PDF_META["created"])
    pdf.set_margins(22, 18, 22)
    pdf.set_auto_page_break(True, margin=22)
    pdf.add_page()
    font = Report.font_name
    for kind, text in PDF_BLOCKS:
        text = pdf.clean(text)
        if kind == "title":
            pdf.set_font(font, "B", 20)
            pdf.multi_cell(0, 10, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        elif kind == "subtitle":
            pdf.set_font(font, "", 11)
            pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
        elif kind == "h":
            pdf.ln(3)
            pdf.set_font(font, "B", 13)
            pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        elif kind == "li":
            pdf.set_font(font, "", 11)
            pdf.multi_cell(0, 6, "- " + text, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.set_font(font, "", 11)
            pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
    path = out / PDF_NAME
    pdf.output(str(path))
    return path


# --------------------------------------------------------------------------------------
# 08: Yemen briefing (DOCX). Blocks as above; "h" becomes a Heading 2, "li" a bullet.
# --------------------------------------------------------------------------------------
DOCX_NAME = "08_tra_yemen_briefing_2022.docx"
DOCX_META = {
    "title": "Yemen: fuel blockade and airstrikes push Hodeidah to the brink",
    "author": "Tihama Relief Alliance",
    "created": dt.datetime(2022, 3, 10, 8, 30, tzinfo=dt.timezone.utc),
}
DOCX_BLOCKS: list[tuple[str, str]] = [
    ("title", "Yemen: fuel blockade and airstrikes push Hodeidah to the brink"),
    ("p", "Briefing note | ADEN, 10 March 2022"),
    ("p", "Restrictions on fuel imports through the port of Hodeidah, a surge in airstrikes and "
          "the collapse of the currency have brought essential services in western Yemen close "
          "to a standstill, the Tihama Relief Alliance said today."),
    ("p", "Between January and February 2022, only four fuel ships were allowed to dock at "
          "Hodeidah, compared with 14 in the same period last year. At least 11 vessels "
          "carrying about 250,000 tonnes of fuel were held at sea for up to 90 days. Hospitals "
          "and water pumping stations that depend on generators have cut their hours, and the "
          "price of a litre of diesel on the parallel market has risen by 62 per cent since "
          "December."),
    ("h", "Civilians under fire"),
    ("p", "January was the deadliest month for civilians in more than three years. The Civilian "
          "Impact Monitoring Project recorded more than 650 civilian casualties in January, of "
          "whom 125 were killed. On 21 January, an airstrike on a detention facility in Saada "
          "killed at least 80 people and wounded more than 200, according to Médecins Sans "
          "Frontières."),
    ("p", "Our teams in Hodeidah governorate documented 37 incidents of shelling and air attacks "
          "on residential areas and markets in the first two months of the year, 14 of them in "
          "Hays and At Tuhayta districts."),
    ("p", "Abdulrahman Al-Hakimi, country director of the Tihama Relief Alliance, said:"),
    ("p", "“Families in Hodeidah are being squeezed from every side. The shells land on their "
          "markets, the fuel ships wait offshore, and the few health workers who remain have "
          "not been paid for months."),
    ("p", "“We are not asking for miracles. We are asking that fuel, food and medicine be "
          "allowed in, and that the parties stop treating civilians as targets.”"),
    ("h", "Covid-19 and a health system on its knees"),
    ("p", "Fewer than 1.4% of Yemenis have been fully vaccinated against Covid-19, according to "
          "WHO, and only about half of health facilities are fully functional. A spokesperson for "
          "the Ministry of Public Health in Sanaa said that the country had recorded 11,800 "
          "confirmed cases, a figure health workers agree is a gross undercount because testing "
          "is so limited."),
    ("p", "“We bury people who died with every symptom of Covid and never count them,” said "
          "Dr Samira Bazara’a, who runs a clinic in Zabid for the Alliance. “The real toll may "
          "be ten times higher.”"),
    ("p", "Bazara’a said that the clinic had received 30 tonnes of medical supplies in February "
          "but that a third of the consignment had expired while waiting at the port."),
    ("h", "A blockade with no accountability"),
    ("p", "Since the UN Human Rights Council ended the mandate of the Group of Eminent Experts "
          "on Yemen in October 2021, there has been no independent international body investigating "
          "violations by all parties. “The vote removed the last witness,” Al-Hakimi said, “and "
          "the attacks on civilians have increased ever since.”"),
    ("p", "The Alliance’s spokesperson Huda Al-Sharabi told Reuters this week that the Alliance "
          "had suspended two mobile clinics because they could not obtain fuel. She said that "
          "between 8,000 and 10,000 patients a month would lose access to care."),
    ("p", "The 2022 humanitarian response plan for Yemen seeks US$4.3 billion, but a pledging "
          "conference on 16 March is expected to raise far less. Last year the plan received "
          "58% of the funds requested, and dozens of programmes were cut."),
    ("h", "Recommendations"),
    ("p", "The Tihama Relief Alliance calls on:"),
    ("li", "the Saudi-led coalition and the Yemeni government to allow fuel ships cleared by the "
           "UN Verification and Inspection Mechanism to dock without delay;"),
    ("li", "the Houthi authorities to stop diverting aid and to release humanitarian workers "
           "held in Sanaa;"),
    ("li", "all parties to stop attacks on markets, homes and detention facilities, and to allow "
           "an independent investigation of the Saada strike;"),
    ("li", "the UN Human Rights Council to establish a new international mechanism to "
           "investigate violations in Yemen."),
    ("p", "“Yemen cannot wait for another conference.” — Huda Al-Sharabi, spokesperson, "
          "Tihama Relief Alliance"),
]


def build_docx(out: Path) -> Path:
    from docx import Document
    from docx.shared import Pt

    document = Document()
    document.styles["Normal"].font.size = Pt(11)
    props = document.core_properties
    props.title = DOCX_META["title"]
    props.author = DOCX_META["author"]
    props.created = DOCX_META["created"]
    props.modified = DOCX_META["created"]
    props.last_modified_by = DOCX_META["author"]
    for kind, text in DOCX_BLOCKS:
        if kind == "title":
            document.add_heading(text, level=1)
        elif kind == "h":
            document.add_heading(text, level=2)
        elif kind == "li":
            document.add_paragraph(text, style="List Bullet")
        else:
            document.add_paragraph(text)
    path = out / DOCX_NAME
    document.save(str(path))
    _freeze_zip_times(path, DOCX_META["created"])
    return path


def _freeze_zip_times(path: Path, when: dt.datetime) -> None:
    """Rewrite a .docx with fixed member timestamps so rebuilding gives identical bytes."""
    import io
    import zipfile

    stamp = when.timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = item.external_attr
            target.writestr(info, source.read(item.filename))
    path.write_bytes(buffer.getvalue())


# --------------------------------------------------------------------------------------
# 09: Sudan statement as a ReliefWeb-style API record (JSON whose body_text is HTML).
# --------------------------------------------------------------------------------------
JSON_NAME = "09_dhen_sudan_el_fasher_2024.json"
JSON_META = {
    "reliefweb_id": "9000917",
    "title": "Sudan: El Fasher siege and attacks on hospitals leave Darfur without care",
    "date": {
        "original": "2024-09-12T00:00:00+00:00",
        "changed": "2024-09-13T11:04:51+00:00",
        "created": "2024-09-13T08:40:12+00:00",
    },
    "url": "https://reliefweb.int/report/sudan/sudan-el-fasher-siege-and-attacks-hospitals-leave-darfur-without-care",
    "source": ["Darfur Health Emergency Network"],
    "files": [],
}
# Each entry is ("p" | "h" | "li", text); the first paragraph carries the dateline in bold.
JSON_BLOCKS: list[tuple[str, str]] = [
    ("lead", "PORT SUDAN, 12 September 2024 —"),
    ("p", "The Darfur Health Emergency Network (DHEN) today condemned the repeated shelling of "
          "the last functioning hospitals in El Fasher, the capital of North Darfur, and called "
          "on the Rapid Support Forces (RSF) and the Sudanese Armed Forces (SAF) to allow "
          "humanitarian supplies into the besieged city."),
    ("p", "Since the siege of El Fasher began in May, our staff have recorded 19 attacks on "
          "health facilities in the city, including 7 on the Saudi Hospital, the only one still "
          "able to perform surgery. At least 1,100 civilians have been killed in and around the "
          "city, among them more than 200 children, according to figures compiled by the "
          "network and local emergency response rooms."),
    ("h", "Markets and camps under fire"),
    ("p", "On 25 August, shells struck the main livestock market during the morning trading "
          "hours, killing 23 people and wounding dozens more. Zamzam camp, which shelters "
          "between 400,000 and 500,000 displaced people south of the city, has been shelled "
          "at least nine times since June."),
    ("p", "Dr Adam Yahya, DHEN’s medical coordinator for North Darfur, said: “We have run out "
          "of anaesthetics, blood bags and fuel for the generators. Surgeons are operating by "
          "torchlight on children wounded in their own homes.”"),
    ("p", "“Every time we repair the theatre, it is hit again,” Yahya said. “This is not "
          "collateral damage.”"),
    ("h", "Famine and blocked aid"),
    ("p", "The Famine Review Committee confirmed famine conditions in Zamzam camp in August, the "
          "first such determination anywhere in the world since 2017. UNICEF estimates that "
          "about 3.6 million children across Sudan are acutely malnourished."),
    ("p", "The reopening of the Adre crossing from Chad on 15 August for an initial period of "
          "three months was a welcome step, but it has not brought relief to El Fasher. Only "
          "a dozen trucks have reached North Darfur since then, carrying about 130 tonnes of "
          "food and medical supplies, a fraction of what is needed."),
    ("p", "A WFP spokesperson said the agency had convoys ready to move but was “unable to get "
          "guarantees of safe passage” from the parties. Aid workers told us that checkpoints "
          "demand payments of up to US$2,000 per truck."),
    ("p", "Fatima Abakar of the Zamzam Women’s Committee said that mothers in the camp were "
          "feeding children boiled leaves. “We have buried more children this summer than in "
          "the whole war,” she said."),
    ("h", "Accountability"),
    ("p", "The UN Fact-Finding Mission for Sudan reported on 6 September that both parties had "
          "committed violations that may amount to war crimes, and the RSF and allied militias "
          "crimes against humanity. The Prosecutor of the International Criminal Court has said "
          "his office is investigating crimes in Darfur under Resolution 1593."),
    ("p", "DHEN urged the UN Security Council to enforce its demand, made in Resolution 2736 in "
          "June, for an end to the siege, and called on states with influence over the RSF, "
          "including those supplying weapons, to stop fuelling the war. We also call on donors "
          "to fund the 2024 Sudan humanitarian response plan, which seeks US$2.7 billion and is "
          "only 41% funded."),
    ("p", "“The world knows exactly what is happening in El Fasher,” Yahya said. “What it does "
          "next will decide how many more people die.”"),
    ("p", "Media contact: press@dhen.example.org"),
]


def _json_body() -> str:
    """The ReliefWeb ``body_text`` field: HTML paragraphs, dateline in bold."""
    parts: list[str] = []
    lead = None
    for kind, text in JSON_BLOCKS:
        escaped = html.escape(text, quote=False)
        if kind == "lead":
            lead = escaped
        elif kind == "h":
            parts.append(f"<h3>{escaped}</h3>")
        elif lead is not None:
            parts.append(f"<p><strong>{lead}</strong> {escaped}</p>")
            lead = None
        else:
            parts.append(f"<p>{escaped}</p>")
    return "\n".join(parts)


def build_json(out: Path) -> Path:
    record = {
        "reliefweb_id": JSON_META["reliefweb_id"],
        "title": JSON_META["title"],
        "date": JSON_META["date"],
        "url": JSON_META["url"],
        "body_text": _json_body(),
        "source": JSON_META["source"],
        "files": JSON_META["files"],
    }
    path = out / JSON_NAME
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "corpus")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for build in (build_pdf, build_docx, build_json):
        print(build(args.out))


if __name__ == "__main__":
    main()
