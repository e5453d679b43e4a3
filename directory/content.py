"""The app's fixed, patient-facing text, as Markdown, so pages only render it.

Everything here is shown with ``st.markdown`` (or ``st.caption`` / ``help=``) WITHOUT
``unsafe_allow_html``, so the rules are:

* no raw HTML;
* a dollar sign is always written ``\\$`` (escaped), or Streamlit reads the text
  between two dollar signs as LaTeX;
* no ``:word:`` or ``:color[...]`` patterns, which Streamlit turns into emoji or colours;
* short sentences in plain words (about an 8th-grade reading level).

``tests/test_content.py`` checks these rules, in every language. The text is written for
people living with PTSD, depression, anxiety, OCD or chronic pain, many of them veterans:
calm, honest about what is and is not known, and never promising a cure.

Each text is an English constant marked with ``N_`` (the source of its catalog entry) and
a function that returns it in the active language: pages call the functions, never show
the constants. The About page is split into paragraphs (a sentence that leads into a list
keeps its list), so a changed sentence re-opens one paragraph for the translator.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, TypeAlias

from directory.i18n import N_
from directory.i18n import gettext as _
from directory.vocabularies import THERAPIST_REQUIREMENT, TRAUMA_THERAPIES, Vocabulary


def _terms_markdown(vocabulary: Vocabulary) -> str:
    """A Markdown list of a vocabulary's labels, each with what it means (``Term.help``).

    In the active language: the labels and help are the vocabulary's own catalog entries,
    so the About page names each term exactly as the cards do.
    """
    return "\n".join(
        f"- **{term.shown_label()}:** {term.shown_help()}" for term in vocabulary.terms
    )


# ---------------------------------------------------------------- always visible

# The Veterans Crisis Line's own ways in (VA, veteranscrisisline.net): dial 988 then press 1,
# text 838255, chat online, or for TTY dial 711 (the relay service) and then 988.
#
# In Spanish the first line also says how to reach the 988 Lifeline's Spanish-speaking
# counselors: call 988 and press 2, or text AYUDA to 988. Sources: 988lifeline.org/es
# ("Ayuda en español"), 988lifeline.org/get-help/what-to-expect ("Spanish-language (Press
# 2)"; "Spanish-language (text AYUDA)"), and SAMHSA's 988 pages (samhsa.gov/find-help/988).
# The Veterans Crisis Line is given as it is in English: no Spanish option is claimed for it.
# The "text AYUDA" link, sms:988?&body=AYUDA, opens the phone's messages to 988 with the
# word filled in (the "?&body=" form is the one both iOS and Android read).
VETERANS_CHAT_URL: Final[str] = "https://www.veteranscrisisline.net/get-help-now/chat/"
CRISIS_LINES: Final[tuple[str, ...]] = (
    # TRANSLATORS: in a translation, add how to reach counselors who speak the language,
    # where the 988 Lifeline offers it (Spanish: call 988 and press 2, or text AYUDA to 988).
    N_("**In crisis?** Call or text **[988](tel:988)**, the Suicide & Crisis Lifeline."),
    N_(
        "**Veterans:** dial [988](tel:988) then press 1, text [838255](sms:838255), or "
        "[chat online]({chat_url}). TTY: dial [711](tel:711), then 988."
    ),
    N_("**In immediate danger,** call **[911](tel:911)**."),
)
"""The crisis line, one short line per number, in English (see :func:`crisis_markdown`)."""


def crisis_lines() -> tuple[str, ...]:
    """The crisis line's lines in the active language."""
    return tuple(_(line).format(chat_url=VETERANS_CHAT_URL) for line in CRISIS_LINES)


def crisis_markdown() -> str:
    """The crisis line, one short line per number (Markdown hard line breaks)."""
    return "  \n".join(crisis_lines())


DISCLAIMER_MARKDOWN: Final[str] = N_(
    "This site gives general information. It is not medical advice. "
    "Using ketamine for PTSD is off-label: ketamine is approved as an anesthetic, and "
    "esketamine (Spravato) is FDA-approved for some kinds of depression, not for PTSD. "
    "Talk with a licensed clinician before you start or stop any treatment. "
    "A listing here is not an endorsement. Details change and may be out of date, "
    "so call the clinic to confirm."
)


def disclaimer_markdown() -> str:
    """The medical disclaimer in the active language."""
    return _(DISCLAIMER_MARKDOWN)


SAMPLE_DATA_NOTE: Final[str] = N_(
    "**Sample data only.** The clinics listed here are made up to show how the site works. "
    "Their phone numbers use the fictional 555-01xx range and their websites use "
    "example.com. They must be replaced with checked, real listings before anyone uses "
    "this site to look for care."
)


def sample_data_note() -> str:
    """The sample-data warning in the active language."""
    return _(SAMPLE_DATA_NOTE)


def sample_data_note_plain() -> str:
    """The sample-data warning for plain text and printouts, in the active language."""
    return sample_data_note().replace("**", "")


# ---------------------------------------------------------------- search page

VA_LOCATOR_MARKDOWN: Final[str] = N_(
    "Veterans can also find VA medical centers and clinics near them with the "
    "[VA's facility locator](https://www.va.gov/find-locations/)."
)
"""Where a veteran can turn when no listed clinic is within reach."""


def va_locator_markdown() -> str:
    """The pointer to the VA's facility locator in the active language."""
    return _(VA_LOCATOR_MARKDOWN)


HOW_TO_USE_MARKDOWN: Final[str] = N_("""\
**How to search**

1. Type your ZIP code, or your city and state (for example, *Denver, CO*).
2. Then filter by what matters to you: how ketamine is given, conditions treated, payment,
   VA coverage, price or therapist rules.
3. Clinics near you are listed by distance. At-home (telehealth) providers that serve your
   state are listed separately.
4. Always call the clinic to confirm details before you book.""")


def how_to_use_markdown() -> str:
    """How to search, in the active language."""
    return _(HOW_TO_USE_MARKDOWN)


# ---------------------------------------------------------------- "About ketamine care"
# Each section is its title and its blocks, joined by blank lines: a block is a paragraph
# marked for the catalog, or a function that writes translated Markdown (the term lists,
# the crisis line).

Block: TypeAlias = str | Callable[[], str]


def _block_markdown(block: Block) -> str:
    return _(block) if isinstance(block, str) else block()


_WHAT_IT_IS: Final[tuple[Block, ...]] = (
    N_("""\
Ketamine is a medicine that doctors have used for decades to put people to sleep for
surgery and to ease pain. At much lower doses, it is now also used for some mental health
conditions, such as depression and PTSD."""),
    N_("""\
Most medicines for depression and anxiety act on serotonin. Ketamine acts on a different
brain messenger called glutamate. It blocks a part of nerve cells called the NMDA
receptor. Researchers think this may help brain cells build new connections for a few days
after a dose."""),
    N_("""\
Some experts call this a "window" for relearning. During it, the brain may find it easier
to learn new ways of reacting to painful memories. This idea is promising, but it is still
being studied. Ketamine does not erase memories, and it is not a cure."""),
    N_("""\
During a session, many people feel dreamy, floaty or detached from their body. This is
called dissociation. It usually fades soon after the dose ends. For trauma survivors, this
feeling can seem familiar or unsettling. A good clinic will talk it through with you first
and stay with you during the session."""),
)

_WAYS_GIVEN: Final[tuple[Block, ...]] = (
    N_("""\
Clinics give ketamine in several ways. Our listings use these five types."""),
    N_("""\
**IV infusion.** A nurse or doctor puts a small tube in a vein in your arm, and the
medicine drips in slowly. A first course is often 4 to 6 infusions over 1 to 2 weeks. Each
infusion takes about 40 minutes. Staff check your blood pressure and heart the whole time.
Afterward you rest until the effects wear off, so plan on about 90 minutes or more for the
visit. Someone must drive you home, and you should not drive until the next day. Most PTSD
studies used IV ketamine."""),
    N_("""\
**IM injection.** This is a shot into a muscle, usually in the upper arm. The effects come
on faster than with a slow IV drip, and sessions are often shorter. You are watched in the
clinic and need a ride home, just as with an IV. There is less research on shots for PTSD."""),
    N_("""\
**Nasal spray (esketamine, brand name Spravato).** Esketamine is a close cousin of
ketamine. It is FDA-approved for treatment-resistant depression, and for depression with
suicidal thoughts, but not for PTSD. You spray it yourself, but only in a certified clinic,
and you cannot take it home. Staff watch you for at least 2 hours after each dose. This
is part of an FDA safety program called REMS. Visits are usually twice a week at first,
then less often. You need a ride home and should not drive until the next day."""),
    N_("""\
**Oral or under the tongue, in the clinic.** You swallow a tablet, or let a lozenge melt
under your tongue or in your cheek, while staff keep an eye on you. Less of the medicine
reaches the brain this way, so the effects are often milder and slower. There is little
research on this form for PTSD."""),
    N_("""\
**At home, through telehealth.** A prescriber meets you by video and checks your physical
and mental health first. If you qualify, lozenges or tablets are mailed to you. Doses are
usually lower than in a clinic. You are asked to have a sober adult with you during each
session, often called a sitter or monitor. At-home care is easier to reach and often costs
less. But it has less research behind it, and no medical staff are in the room. In 2023 the
FDA warned about the risks of taking compounded ketamine at home without monitoring."""),
)

_EVIDENCE: Final[tuple[Block, ...]] = (
    N_("""\
Research on ketamine for PTSD is still young. These are two of the best-known studies."""),
    N_("""\
- **Feder and colleagues, 2014, *JAMA Psychiatry*.** Adults with long-lasting (chronic)
  PTSD got one ketamine infusion and, on another day, a comparison drug called midazolam.
  PTSD symptoms dropped quickly, within a day, after ketamine. The drop was larger than
  after midazolam.
  [PubMed, PMID 24740528](https://pubmed.ncbi.nlm.nih.gov/24740528/)
- **Feder and colleagues, 2021, *American Journal of Psychiatry*.** In this randomized
  trial, 30 adults with chronic PTSD got six infusions over two weeks, of either ketamine
  or midazolam. After two weeks, 67% of the ketamine group had improved (a drop in
  symptoms of at least 30%). Only 20% of the midazolam group had. Among those who
  improved, the typical (median) time before the benefit faded was 27.5 days.
  [Journal article](https://doi.org/10.1176/appi.ajp.2020.20050596)"""),
    N_("""\
Other results are mixed. A larger trial in 158 veterans and service members (Abdallah
and colleagues, 2022) did not find that ketamine eased PTSD symptoms more than a placebo.
Depression did improve at the usual dose in that trial."""),
    N_("""\
Reviews that pool many studies, called meta-analyses, describe the results as promising
but not settled. A few patterns show up again and again:

- Benefits are often stronger when a person has depression as well as PTSD.
- Relief can come within a day or two, which is much faster than most PTSD treatments.
- The effects tend to fade over weeks unless there are follow-up (maintenance) sessions,
  therapy, or both.
- Not everyone responds, and no one can promise who will."""),
    N_("""\
Trauma-focused therapy is still the first treatment experts recommend for PTSD. Ketamine
is usually considered only after that and other treatments have not helped enough."""),
)

_WHO: Final[tuple[Block, ...]] = (
    N_("""\
Ketamine care may be worth asking about if:

- you have PTSD that has not improved enough after first-line care, such as
  trauma-focused therapy or medicines like sertraline or paroxetine;
- you also live with depression, especially depression that has not responded to other
  treatment;
- you can commit to a series of visits and follow-up, ideally with a therapist."""),
    N_("""\
Ketamine may not be safe for everyone. Be open with the clinic, and be extra careful, if
you have:

- high blood pressure that is not under control;
- heart disease, or blood vessel problems such as an aneurysm;
- psychosis or schizophrenia, now or in the past;
- current substance misuse, especially of ketamine or other dissociative drugs;
- a pregnancy, or plans to become pregnant;
- some liver conditions."""),
    N_("""\
Tell the clinic about every medicine and supplement you take. Some, such as
benzodiazepines, can change how ketamine works or how safe it is."""),
    N_("""\
**Common side effects** usually happen during the session or soon after:

- feeling detached, dreamy or "outside yourself" (dissociation);
- nausea;
- higher blood pressure and a faster heart rate;
- dizziness and drowsiness."""),
    N_("""\
Bladder problems are rare. They have mostly been seen in people who used ketamine often
and in large amounts. Ketamine can also be misused, which is one reason a careful clinic
limits doses and watches for warning signs."""),
)

_QUESTIONS: Final[tuple[Block, ...]] = (
    N_("""\
Before you book, it can help to ask:

- Who prescribes the ketamine? Who watches me during the session, and what training do
  they have?
- How will you check that ketamine is safe for me? Will you look at my health history,
  blood pressure and medicines?
- What does the price include? Are the first visit, follow-up visits and therapy extra?
- How many sessions do you suggest at first? Do you offer maintenance (booster) sessions,
  and how often?
- What happens if it does not help after the first few sessions?
- Do I need my own therapist? Can you work with the therapist I already see?
- Do you work with the VA, TRICARE or my insurance? Will you help with the paperwork?
- What happens if I have a bad reaction or a medical emergency during a session?
- What if painful trauma memories come up during or after a session?
- Who do I call after hours, and what follow-up will I get?"""),
)

_COST: Final[tuple[Block, ...]] = (
    N_("""\
**IV and IM ketamine** are usually self-pay. Prices vary a lot. One infusion often costs a
few hundred dollars (about \\$400 to \\$800 is common), so a first series can cost a few
thousand. Some insurance plans pay back part of the cost. Ask the clinic for an itemized
receipt (sometimes called a superbill) that you can send to your plan."""),
    N_("""\
**Spravato** is often covered by private insurance and Medicare. Your plan usually has to
approve it before you start, which is called prior authorization. It is approved for
depression, not PTSD."""),
    N_("""\
**VA care for veterans.** Some VA medical centers offer Spravato, and a few offer ketamine
infusions, to enrolled veterans. Ask your VA mental health provider. Through **VA Community
Care**, the VA can pay a private clinic, but only after the VA approves a referral. Get
that approval before your first visit. The VA usually does not pay for community care it
did not authorize first."""),
    N_("""\
**TRICARE** covers service members, retirees and their families. Check with TRICARE before
you start. Spravato may be covered when its rules are met. Coverage for ketamine infusions
for mental health is less common."""),
    N_("""\
**Other ways to pay.** Some clinics offer payment plans, financing or a sliding scale based
on income. Read the terms of any loan or medical credit card closely."""),
    N_("""\
Prices in our listings are typical self-pay prices for one session. For at-home
providers, they are for one month. Always confirm the price with the clinic."""),
)


def _trauma_therapies_markdown() -> str:
    return _terms_markdown(TRAUMA_THERAPIES)


def _therapist_rules_markdown() -> str:
    return _terms_markdown(THERAPIST_REQUIREMENT)


_THERAPY: Final[tuple[Block, ...]] = (
    N_("""\
Ketamine may ease symptoms for a while. It does not change what happened, and it does not
teach new ways of coping. Trauma-focused therapy does that work, and it has the strongest
evidence of any PTSD treatment. Many experts think ketamine helps most when it makes that
therapy easier to start or stick with."""),
    N_("These trauma-focused therapies appear in our listings:"),
    _trauma_therapies_markdown,
    N_("The VA offers these therapies to enrolled veterans."),
    N_("**What the therapist labels in our listings mean:**"),
    _therapist_rules_markdown,
)

_NEED_HELP_NOW: Final[tuple[Block, ...]] = (
    N_("""\
If you are struggling right now, you do not have to wait for an appointment. Reaching out
is a sign of strength."""),
    crisis_markdown,
)

ABOUT_SECTIONS: Final[tuple[tuple[str, tuple[Block, ...]], ...]] = (
    (N_("What ketamine is and how it may work"), _WHAT_IT_IS),
    (N_("How ketamine is given, and what a visit is like"), _WAYS_GIVEN),
    (N_("What the research says"), _EVIDENCE),
    (N_("Who may benefit, and who should be careful"), _WHO),
    (N_("Why therapy matters"), _THERAPY),
    (N_("Questions to ask a clinic"), _QUESTIONS),
    (N_("Cost, insurance and the VA"), _COST),
    (N_("If you need help now"), _NEED_HELP_NOW),
)
"""(English title, blocks) for each section of the "About ketamine care" page."""


def about_sections() -> list[tuple[str, str]]:
    """(title, Markdown body) for each section of the About page, in the active language."""
    return [
        (_(title), "\n\n".join(_block_markdown(block) for block in blocks))
        for title, blocks in ABOUT_SECTIONS
    ]


# ---------------------------------------------------------------- footer

DATA_CREDITS_MARKDOWN: Final[str] = N_(
    "ZIP code locations come from the [zipcodes](https://pypi.org/project/zipcodes/) "
    "package, derived from [GeoNames](https://www.geonames.org/) data "
    "([CC BY 4.0](https://creativecommons.org/licenses/by/4.0/)). "
    "Map data © [OpenStreetMap](https://www.openstreetmap.org/copyright) contributors. "
    "Map display by [Leaflet](https://leafletjs.com/).  \n"
    "No tracking: we don't use analytics, and the place you search for is looked up on "
    "this server, not sent to a location service. "
    "Your browser loads the map images from OpenStreetMap."
)


def data_credits_markdown() -> str:
    """The data credits and the privacy note, in the active language."""
    return _(DATA_CREDITS_MARKDOWN)
