"""Readers on documents written like those the corpus lacks (held-out variants a fuzzing review
wrote from real registers' habits): each case a small document and the value a reader must give.
"""

from trials.readers import ictrp_page
from trials.readers.places import country_from_address

_PAGE = """World Health Organization site
Main
Register: {register}
Last refreshed on: 6 May 2024
Main ID:  {trial_id}
Date of registration: 14/02/2022
Public title: Community-based treatment of lymphoedema
Recruitment status: Recruiting
Study type:  Interventional
Countries of recruitment
{countries}
Contacts
Name: Jane Smith
Address:  Keppel Street, London, WC1E 7HT, United Kingdom
Email: jane.smith@example.org
Key inclusion & exclusion criteria
Inclusion criteria: Adults aged 18 years and over.
Female: A female participant is eligible if she is not pregnant.
Age minimum: 18 Years
Age maximum: N/A
Gender:
Female: yes
Male: yes
Health Condition(s) or Problem(s) studied
Atopic dermatitis
Results
"""


def _page(countries: str) -> dict:
    text = _PAGE.format(register="ISRCTN", trial_id="ISRCTN43210987", countries=countries)
    return next(iter(ictrp_page.read(text.encode())))


def test_a_contacts_address_is_no_country_of_recruitment():
    assert _page("Ethiopia\nRwanda")["countries"] == ["ET", "RW"]
    # … unless the page names none
    assert _page("")["countries"] == ["GB"]


def test_a_criterion_starting_female_is_no_answer_to_the_eu_sex_lines():
    assert _page("Germany")["sex"] == "ALL"


def test_a_us_state_and_zip_code_make_an_address_american():
    assert country_from_address("Emory University, Atlanta, Georgia 30322") == "US"
    assert country_from_address("Dartmouth, Lebanon, NH 03756") == "US"
    assert country_from_address("Tbilisi, Georgia 0179") == "GE"
    assert country_from_address("Beirut, Lebanon") == "LB"
