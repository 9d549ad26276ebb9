"""The sanctions lists tripwire knows: who publishes them, where, and in which format.

A registry, not an if-chain: the updater, the importer and the CLI look a
source up here by name. URLs are the publishers' own official download
addresses.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One file of a source's publication; ``name`` is how it is stored locally."""

    name: str
    url: str
    required: bool = True
    # Filename globs that find this file in an offline folder (TRIPWIRE_LISTS_DIR).
    patterns: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    title: str
    authority: str
    country: str
    format: str
    id_prefix: str
    files: tuple[SourceFile, ...] = field(default_factory=tuple)
    homepage: str = ""

    @property
    def main_file(self) -> SourceFile:
        return self.files[0]


_OFAC_EXPORTS = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports"

SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source(
            name="us_ofac_sdn",
            title="OFAC Specially Designated Nationals and Blocked Persons List (SDN)",
            authority="Office of Foreign Assets Control (OFAC), US Department of the Treasury",
            country="us",
            format="ofac_csv",
            id_prefix="ofac",
            homepage="https://ofac.treasury.gov/specially-designated-nationals-and-blocked-persons-list-sdn-human-readable-lists",
            files=(
                SourceFile("sdn.csv", f"{_OFAC_EXPORTS}/SDN.CSV", patterns=("sdn.csv", "SDN.CSV")),
                SourceFile("alt.csv", f"{_OFAC_EXPORTS}/ALT.CSV", patterns=("alt.csv", "ALT.CSV")),
                SourceFile("add.csv", f"{_OFAC_EXPORTS}/ADD.CSV", patterns=("add.csv", "ADD.CSV")),
                SourceFile(
                    "sdn_comments.csv",
                    f"{_OFAC_EXPORTS}/SDN_COMMENTS.CSV",
                    required=False,
                    patterns=("sdn_comments.csv", "SDN_COMMENTS.CSV"),
                ),
            ),
        ),
        Source(
            name="us_ofac_cons",
            title="OFAC Consolidated Sanctions List (non-SDN)",
            authority="Office of Foreign Assets Control (OFAC), US Department of the Treasury",
            country="us",
            format="ofac_csv",
            id_prefix="ofac",
            homepage="https://ofac.treasury.gov/consolidated-sanctions-list-non-sdn-lists",
            files=(
                SourceFile(
                    "cons_prim.csv", f"{_OFAC_EXPORTS}/CONS_PRIM.CSV", patterns=("cons_prim.csv",)
                ),
                SourceFile(
                    "cons_alt.csv", f"{_OFAC_EXPORTS}/CONS_ALT.CSV", patterns=("cons_alt.csv",)
                ),
                SourceFile(
                    "cons_add.csv", f"{_OFAC_EXPORTS}/CONS_ADD.CSV", patterns=("cons_add.csv",)
                ),
                SourceFile(
                    "cons_comments.csv",
                    f"{_OFAC_EXPORTS}/CONS_COMMENTS.CSV",
                    required=False,
                    patterns=("cons_comments.csv",),
                ),
            ),
        ),
        Source(
            name="un_sc",
            title="United Nations Security Council Consolidated List",
            authority="United Nations Security Council",
            country="zz",
            format="un_xml",
            id_prefix="unsc",
            homepage="https://main.un.org/securitycouncil/en/content/un-sc-consolidated-list",
            files=(
                SourceFile(
                    "consolidated.xml",
                    "https://scsanctions.un.org/resources/xml/en/consolidated.xml",
                    patterns=("consolidated.xml", "UN_consolidated-*.xml", "UN_consolidated*.xml"),
                ),
            ),
        ),
        Source(
            name="eu_fsf",
            title="EU Financial Sanctions Files (FSF), consolidated list",
            authority="European Commission (FPI), on behalf of the Council of the EU",
            country="eu",
            format="eu_fsf",
            id_prefix="eu-fsf",
            homepage="https://data.europa.eu/data/datasets/consolidated-list-of-persons-groups-and-entities-subject-to-eu-financial-sanctions",
            files=(
                SourceFile(
                    "eu_fsf.xml",
                    "https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content?token=dG9rZW4tMjAxNw",
                    patterns=(
                        "eu_fsf.xml",
                        "eu_fsf-*.xml.gz",
                        "eu_fsf*.xml",
                        "xmlFullSanctionsList*.xml",
                    ),
                ),
            ),
        ),
        Source(
            name="gb_fcdo",
            title="UK Sanctions List (FCDO)",
            authority="Foreign, Commonwealth & Development Office (FCDO), United Kingdom",
            country="gb",
            format="uk_xml",
            id_prefix="gb-fcdo",
            homepage="https://www.gov.uk/government/publications/the-uk-sanctions-list",
            files=(
                SourceFile(
                    "UK-Sanctions-List.xml",
                    "https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.xml",
                    patterns=(
                        "UK-Sanctions-List.xml",
                        "uk_sanctions_list-*.xml.gz",
                        "uk_sanctions_list*.xml",
                    ),
                ),
            ),
        ),
    )
}

# Sources that can be imported but have no official download address of their own.
IMPORT_ONLY = {"us_ofac_adv": "ofac_advanced", "ftm": "ftm_json"}


def get_source(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        allowed = ", ".join(sorted(SOURCES))
        raise KeyError(f"unknown source {name!r}; known sources: {allowed}") from None
