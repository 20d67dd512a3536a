"""Demo data for session guides: a first-year mentoring curriculum of six sessions."""

from programs.models import Program
from sessions.models import SessionGuide

CURRICULUM = [
    {
        "title": "Getting to know each other",
        "objectives": "Learn about each other's studies, interests and what brought you to "
        "the program. Agree how often you meet, how you keep in touch and what stays between "
        "you. Set one or two goals for the term.",
        "activities": "Swap the story of your first weeks at university.\n"
        "Each write down three things you hope to get out of mentoring and compare.\n"
        "Turn the mentee's hopes into one or two concrete goals with a date.",
        "reflection_prompts": "What did you learn about each other that surprised you?\n"
        "Which goals did you agree on?\n"
        "How and when will you meet next?",
    },
    {
        "title": "Study skills",
        "objectives": "Look at how the mentee studies now and find one habit to try: "
        "planning the week, taking notes, reading efficiently or working with others.",
        "activities": "Walk through last week's timetable and where study time went.\n"
        "The mentor shows a note-taking or planning method they use.\n"
        "Pick one technique to try for two weeks.",
        "reflection_prompts": "Which study habit will you try, and when?\n"
        "What gets in the way of studying at the moment?",
    },
    {
        "title": "Assessments and exams",
        "objectives": "Prepare for the first assessments: understand what markers look for, "
        "plan revision and know where to get feedback.",
        "activities": "Read a marking rubric together and mark a sample paragraph.\n"
        "Draft a revision timetable working back from the first deadline.\n"
        "List the office hours, writing centre and library sessions on offer.",
        "reflection_prompts": "What is your revision plan for the next assessment?\n"
        "Where will you go for feedback before you hand in?",
    },
    {
        "title": "Wellbeing and balance",
        "objectives": "Talk about workload, sleep, money and belonging, and know the support "
        "services before they are needed.",
        "activities": "Map a typical week: study, work, rest and people.\n"
        "Share one thing that helped the mentor through a hard patch.\n"
        "Look up the counselling, advice and financial support services together.",
        "reflection_prompts": "What is one change that would make your week more manageable?\n"
        "Which support service would you contact first, and for what?",
    },
    {
        "title": "Looking ahead: courses, societies and careers",
        "objectives": "Explore choices for next year, opportunities outside the course and "
        "first steps towards work experience.",
        "activities": "Browse next year's modules and talk through the options.\n"
        "Pick a society, volunteering role or event to try this month.\n"
        "Start a list of skills and experiences for a first CV.",
        "reflection_prompts": "Which opportunity will you follow up before we next meet?\n"
        "What would you like to know more about for next year?",
    },
    {
        "title": "Closing reflection",
        "objectives": "Look back at the goals set in the first session, celebrate progress and "
        "plan how the mentee carries on without regular meetings.",
        "activities": "Reread the goals from the first session and rate progress on each.\n"
        "Each name the most useful conversation you had.\n"
        "Agree whether and how you stay in touch after the program.",
        "reflection_prompts": "How far did you get with the goals you set at the start?\n"
        "What will you keep doing after the program ends?\n"
        "What would you tell next year's first-years?",
    },
]


def demo_guides_seed(*, program: Program) -> None:
    """Give `program` the six-session demo curriculum (guides 1-6); running it again
    updates the same guides instead of adding more."""
    for number, guide in enumerate(CURRICULUM, start=1):
        row = SessionGuide(program=program, number=number, **guide)
        row.full_clean(validate_unique=False, validate_constraints=False)
        SessionGuide.objects.update_or_create(program=program, number=number, defaults=guide)
