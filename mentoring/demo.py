"""Demo data: realistic programs and people for trying the product and for benchmarks."""

import functools
import random
from datetime import UTC, datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from matching.models import Match
from mentoring.roles import COORDINATORS_GROUP, REPORTING_GROUP
from outcomes.demo import demo_outcomes_seed
from privacy.models import NoticeAcceptance, PrivacyNotice
from privacy.notice import notice_current, notice_default_text, notice_publish
from programs.demo import demo_screening_seed
from programs.models import Application, AvailabilityWindow, Program
from programs.services import (
    ApplicationData,
    application_decide,
    application_submit,
    program_create,
    program_set_vocabulary,
)
from relationships.demo import demo_relationships_seed
from sessions.demo import demo_guides_seed
from training.demo import demo_training_seed

DEMO_DOMAIN = "demo.mentoring.test"
FIRST_NAMES = (
    "Amara Ben Chloé Dmitri Elif Fatima Gabriel Hana Ibrahim Jonas Kavya Liam Mei Nadia Omar "
    "Priya Quentin Rosa Samuel Tanvi Uchenna Valentina Wei Ximena Yusuf Zara Aisha Bruno "
    "Carmen Diego Emma Farid Grace Hiroshi Ines Jamal Keiko Lucas Maya Noah"
).split()
LAST_NAMES = (
    "Okafor Schmidt Dubois Ivanova Yilmaz Haddad Silva Tanaka Rahman Berg Iyer Murphy Chen "
    "Kowalski Nasser Patel Laurent Garcia Mensah Rao Eze Rossi Zhang Lopez Demir Ali Novak "
    "Costa Hughes Andersen Nguyen Moreau Kim Osei Fischer Santos Sato Walsh Mwangi Reyes"
).split()
STAGES = ["First-year", "Second-year", "Final-year", "Graduate", "Early-career", "Senior"]
ZONES = ["Europe/London", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC"]
LANGUAGES = ["English", "Spanish", "French", "German", "Mandarin", "Arabic", "Hindi"]

PROGRAMS = [
    {
        "name": "First-Year Success Mentoring",
        "slug": "first-year-success",
        "description": "Final-year students and recent graduates mentor first-years through "
        "their first two terms: study habits, settling in, finding their people.",
        "kind": Program.Kind.FORMAL,
        "format": Program.Format.ONE_ON_ONE,
        "topics": [
            "Study skills",
            "Time management",
            "Exam preparation",
            "Academic writing",
            "Wellbeing",
            "Finances",
            "Societies and clubs",
            "Research projects",
            "Internships",
            "Programming",
        ],
        "goals": [
            "Settle in",
            "Improve grades",
            "Build confidence",
            "Find an internship",
            "Plan my degree",
            "Grow my network",
        ],
    },
    {
        "name": "Women in Engineering Circles",
        "slug": "women-in-engineering",
        "description": "Small mentoring circles led by engineers in industry, meeting every "
        "two weeks to talk careers, projects and leadership.",
        "kind": Program.Kind.FORMAL,
        "format": Program.Format.GROUP,
        "group_size": 4,
        "topics": [
            "Software engineering",
            "Hardware",
            "Leadership",
            "Negotiation",
            "Public speaking",
            "Career change",
            "Research careers",
            "Startups",
        ],
        "goals": [
            "Find an internship",
            "Build confidence",
            "Lead a team",
            "Grow my network",
            "Choose a specialism",
        ],
    },
    {
        "name": "Career Connect",
        "slug": "career-connect",
        "description": "An open network: browse mentors from our alumni community and ask "
        "one for a conversation whenever you are ready.",
        "kind": Program.Kind.INFORMAL,
        "format": Program.Format.ONE_ON_ONE,
        "status": Program.Status.RUNNING,
        "topics": [
            "CV and applications",
            "Interviews",
            "Consulting",
            "Finance careers",
            "Data science",
            "Product management",
            "Public sector",
            "Further study",
        ],
        "goals": ["Find a job", "Change careers", "Prepare for interviews", "Grow my network"],
    },
]


def _name(rng: random.Random, index: int) -> tuple[str, str]:
    return FIRST_NAMES[index % len(FIRST_NAMES)], rng.choice(LAST_NAMES)


@functools.cache
def _hashed(password: str) -> str:
    # Hashing is deliberately slow; one hash shared by all demo accounts keeps seeding fast.
    return make_password(password)


def demo_user(*, email: str, first: str, last: str, password: str, **extra) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email,
            password=None,
            first_name=first,
            last_name=last,
            display_name=f"{first} {last}",
            **extra,
        )
        user.password = _hashed(password)
        user.save(update_fields=["password"])
        from allauth.account.models import EmailAddress

        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def demo_program(*, spec: dict, coordinator: User) -> Program:
    program = Program.objects.filter(slug=spec["slug"]).first()
    if program is None:
        today = timezone.localdate()
        program = program_create(
            name=spec["name"],
            slug=spec["slug"],
            description=spec["description"],
            kind=spec["kind"],
            format=spec["format"],
            group_size=spec.get("group_size"),
            status=spec.get("status", Program.Status.ENROLLING),
            enrollment_opens=today - timedelta(days=14),
            enrollment_closes=today + timedelta(days=30),
            starts_on=today + timedelta(days=31),
            ends_on=today + timedelta(days=240),
            default_mentor_capacity=spec.get("group_size") or 2,
            coordinators=[coordinator],
        )
    program_set_vocabulary(
        program=program, topics=spec["topics"], goals=spec["goals"], stages=STAGES
    )
    return program


def _availability(rng: random.Random) -> list[tuple[int, time, time]]:
    days = rng.sample(range(7), k=rng.randint(2, 4))
    windows = []
    for day in sorted(days):
        start = rng.choice([8, 9, 12, 14, 17, 18])
        windows.append((day, time(start), time(min(start + rng.choice([1, 2, 3]), 23))))
    return windows


def demo_application(*, rng, program: Program, user: User, role: str, stage_index: int):
    if Application.objects.filter(program=program, user=user, role=role).exists():
        return None
    stages = list(program.career_stages.all())
    topics = list(program.topics.all())
    goals = list(program.goals.all())
    data = ApplicationData(
        role=role,
        career_stage=stages[min(stage_index, len(stages) - 1)],
        topics=rng.sample(topics, k=rng.randint(2, 4)),
        goals=rng.sample(goals, k=rng.randint(1, 3)),
        languages=["English", *rng.sample(LANGUAGES[1:], k=rng.randint(0, 1))],
        format_preference=rng.choice(list(Application.Format.values)),
        time_zone=user.time_zone,
        capacity=rng.randint(1, 3) if role == "mentor" else None,
        motivation=rng.choice(
            [
                "I remember how lost I felt at the start and want to help someone else.",
                "I would like guidance on choosing my next step.",
                "Looking for someone who has been where I am now.",
                "Happy to share what I learned the hard way.",
            ]
        ),
        availability=_availability(rng),
    )
    return application_submit(program=program, user=user, data=data)


@transaction.atomic
def seed_demo(*, participants: int = 60, password: str, seed: int = 7) -> dict:
    """Create the demo coordinator, programs and participants; running it again adds nothing."""
    rng = random.Random(seed)
    coordinator = demo_user(
        email=f"coordinator@{DEMO_DOMAIN}",
        first="Corinne",
        last="Adeyemi",
        password=password,
        is_staff=True,
        time_zone="Europe/London",
    )
    coordinator.groups.add(Group.objects.get_or_create(name=COORDINATORS_GROUP)[0])
    admin = demo_user(
        email=f"admin@{DEMO_DOMAIN}",
        first="Ada",
        last="Admin",
        password=password,
        is_staff=True,
        is_superuser=True,
    )
    programs = [demo_program(spec=spec, coordinator=coordinator) for spec in PROGRAMS]
    created = 0
    mentors = participants // 3
    for index in range(participants):
        role = "mentor" if index < mentors else "mentee"
        number = index + 1 if role == "mentor" else index - mentors + 1
        first, last = _name(rng, index)
        user = demo_user(
            email=f"{role}{number}@{DEMO_DOMAIN}",
            first=first,
            last=last,
            password=password,
            time_zone=ZONES[index % len(ZONES)],
        )
        program = programs[index % len(programs)]
        stage = rng.randint(2, 5) if role == "mentor" else rng.randint(0, 2)
        application = demo_application(
            rng=rng, program=program, user=user, role=role, stage_index=stage
        )
        if application is not None:
            created += 1
            if index % 7 != 0:  # most are approved; a few wait for the coordinator
                application_decide(
                    application=application, status=Application.Status.APPROVED, by=coordinator
                )
    _demo_structure(program=programs[0])
    demo_guides_seed(program=programs[1])
    matched = _demo_matches(program=programs[0], coordinator=coordinator)
    _demo_sessions(program=programs[0])
    # Before the check-ins: it ends one match early, whose pair then gets none.
    demo_relationships_seed(
        program=programs[0],
        matches=list(
            Match.objects.filter(program=programs[0], status=Match.Status.ACTIVE).order_by("pk")
        ),
    )
    _demo_checkins(program=programs[0])
    reporter = demo_user(
        email=f"reporting@{DEMO_DOMAIN}", first="Rui", last="Santos", password=password
    )
    reporter.groups.add(Group.objects.get_or_create(name=REPORTING_GROUP)[0])
    programs[0].reporting_staff.add(reporter)
    demo_outcomes_seed(program=programs[0], by=coordinator)
    demo_notice_seed(by=admin)
    return {"programs": len(programs), "applications_created": created, "matches": matched}


def demo_notice_seed(*, by: User | None = None) -> None:
    """Publish version 1 of the privacy notice from the default text when there is no notice
    at all, and record that every demo account accepted the version in force, so demo logins
    go straight in. Running it again adds nothing."""
    notice = notice_current()
    if notice is None and not PrivacyNotice.objects.exists():
        draft = PrivacyNotice.objects.create(version=1, body=notice_default_text())
        notice = notice_publish(notice=draft, by=by)
    if notice is None:  # only drafts: the institution is still writing its notice
        return
    missing = User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").exclude(
        notice_acceptances__notice=notice
    )
    NoticeAcceptance.objects.bulk_create(
        [NoticeAcceptance(user=user, notice=notice) for user in missing.only("pk")],
        batch_size=2000,
        ignore_conflicts=True,
    )


def _demo_structure(*, program: Program) -> None:
    """What prepares the formal program's pairs before matching: screening of the approved
    applications, training part-way (one mentor is not done, so the run leaves them out and
    says why) and the session guides."""
    approved = list(program.applications.filter(status=Application.Status.APPROVED).order_by("pk"))
    demo_screening_seed(program=program, applications=approved)
    demo_training_seed(
        program=program,
        mentors=[a for a in approved if a.role == "mentor"],
        mentees=[a for a in approved if a.role == "mentee"],
    )
    demo_guides_seed(program=program)


def _demo_sessions(*, program: Program) -> None:
    """Weekly availability for the matched mentors, a few booked sessions and one held,
    logged session, so the sessions pages have something to show; later runs add nothing."""
    from datetime import timedelta

    from django.utils import timezone

    from sessions.models import AvailabilityRule, Meeting
    from sessions.services import booking_create, session_log_save, slots_free

    if Meeting.objects.filter(program=program).exists():
        return
    matches = list(
        Match.objects.filter(program=program, status="active").select_related(
            "mentor__user", "mentee__user"
        )[:6]
    )
    for match in matches:
        mentor = match.mentor.user
        if not AvailabilityRule.objects.filter(mentor=mentor).exists():
            for weekday in (1, 3):
                AvailabilityRule.objects.create(
                    mentor=mentor, weekday=weekday, start_time=time(17), end_time=time(19),
                    time_zone=mentor.time_zone, location="Library, room 2",
                )  # fmt: skip
    for match in matches[1:4]:
        slots = slots_free(mentor=match.mentor.user, program=program)
        if slots:
            booking_create(match=match, start=slots[0].start, booked_by=match.mentee.user)
    if matches:
        match = matches[0]
        start = (timezone.now() - timedelta(days=6)).replace(minute=0, second=0, microsecond=0)
        meeting = Meeting.objects.create(
            program=program, mentor=match.mentor.user, match=match, start=start,
            end=start + timedelta(hours=1), booked_by=match.mentee.user,
        )  # fmt: skip
        session_log_save(
            meeting=meeting, author=match.mentee.user, outcome="held", duration_minutes=60,
            shared_notes="Went through my CV and planned two informational interviews.",
        )  # fmt: skip


#: Past check-in rounds of the demo pairs (days ago) and, per pair and round, the (mentor,
#: mentee) scores; None was not answered. The fourth pair drifts into trouble.
CHECKIN_ROUNDS = (42, 28, 14)
CHECKIN_SCORES = [
    ((4, 4), (4, 5), (5, 5)),
    ((3, 4), (4, None), (4, 4)),
    ((4, None), (4, 4), (5, 4)),
    ((3, 3), (3, 2), (2, 2)),
    ((4, 5), (5, 5), (4, 5)),
    ((3, 4), (4, 4), (None, 5)),
]


def _demo_checkins(*, program: Program) -> None:
    """Three past rounds of check-ins for the demo pairs (mostly answered, a few missed, one
    pair with low scores) and a round open now, so the dashboard's response rate, satisfaction
    trend and pairs at risk show something; later runs add nothing.

    The past rounds are written as they were answered then (a service would stamp today);
    the open round goes through the service a coordinator's "open a round now" uses, so its
    invitations are queued like any others.
    """
    from evaluation.models import CheckIn
    from evaluation.services import checkins_create_due, risk_flags_refresh
    from evaluation.services.common import today_utc

    if CheckIn.objects.filter(match__program=program).exists():
        return
    matches = Match.objects.filter(program=program, status="active").select_related(
        "program", "mentor", "mentee"
    )
    today = today_utc()
    past = [
        _past_checkin(match, application, today - timedelta(days=days_ago), score)
        for match, rounds in zip(matches.order_by("pk"), CHECKIN_SCORES, strict=False)
        for days_ago, scores in zip(CHECKIN_ROUNDS, rounds, strict=True)
        for application, score in zip((match.mentor, match.mentee), scores, strict=True)
    ]
    for checkin in past:
        checkin.full_clean(validate_unique=False)
    CheckIn.objects.bulk_create(past)
    risk_flags_refresh(program=program, today=today)
    checkins_create_due(program=program, today=today, start_round=True)


def _past_checkin(match, application, opens_on, score):
    from evaluation.models import CheckIn
    from evaluation.services.checkins import checkin_due_on

    checkin = CheckIn(
        match=match,
        application=application,
        opens_on=opens_on,
        due_on=checkin_due_on(program=match.program, opens_on=opens_on),
    )
    if score is not None:
        answered_on = opens_on + timedelta(days=1 + application.pk % 3)
        checkin.score, checkin.met = score, score > 2
        checkin.answered_at = datetime.combine(answered_on, time(10), tzinfo=UTC)
        if score <= 2:
            checkin.blocking = "We keep missing each other; finding a time is hard."
    return checkin


def _demo_matches(*, program: Program, coordinator: User) -> int:
    """Run and publish matching once for the first formal program, so demo participants
    have a mentor or mentee to look at; later runs add nothing."""
    from matching.services.runs import run_publish, run_start

    if Match.objects.filter(program=program).exists():
        return 0
    run = run_start(program=program, by=coordinator)
    run.refresh_from_db()
    return len(run_publish(run=run, by=coordinator)) if run.status == "draft" else 0


def seed_scale(*, mentees: int, mentors: int, password: str, seed: int = 11) -> dict:
    """Bulk-create a large approved program for benchmarks (bulk inserts, no per-row services)."""
    rng = random.Random(seed)
    spec = {
        "name": f"Scale test {mentees}x{mentors}",
        "slug": f"scale-{mentees}x{mentors}",
        "description": "Generated for benchmarks.",
        "kind": Program.Kind.FORMAL,
        "format": Program.Format.ONE_ON_ONE,
        "topics": [f"Topic {n}" for n in range(1, 51)],
        "goals": [f"Goal {n}" for n in range(1, 11)],
    }
    coordinator = User.objects.get(email=f"coordinator@{DEMO_DOMAIN}")
    program = demo_program(spec=spec, coordinator=coordinator)
    if program.applications.exists():
        return {"program": program.slug, "applications_created": 0}
    stages = list(program.career_stages.all()[:5])
    topics = list(program.topics.all())
    goals = list(program.goals.all())
    hashed = _hashed(password)
    total = mentees + mentors
    users = User.objects.bulk_create(
        [
            User(
                email=f"scale{n}-{program.pk}@{DEMO_DOMAIN}",
                password=hashed,
                display_name=" ".join(_name(rng, n)),
                time_zone=rng.choice(ZONES),
            )
            for n in range(total)
        ],
        batch_size=2000,
    )
    users = list(User.objects.filter(email__endswith=f"-{program.pk}@{DEMO_DOMAIN}"))
    apps = Application.objects.bulk_create(
        [
            Application(
                program=program,
                user=user,
                role="mentor" if n < mentors else "mentee",
                status=Application.Status.APPROVED,
                career_stage=stages[rng.randint(2, 4) if n < mentors else rng.randint(0, 2)],
                capacity=rng.randint(1, 5) if n < mentors else None,
                languages=["English"],
                format_preference=rng.choice(Application.Format.values),
                time_zone=user.time_zone,
            )
            for n, user in enumerate(users)
        ],
        batch_size=2000,
    )
    apps = list(program.applications.all())
    topic_rows, goal_rows, windows = [], [], []
    for app in apps:
        topic_rows += [
            Application.topics.through(application_id=app.pk, topic_id=t.pk)
            for t in rng.sample(topics, k=rng.randint(1, 5))
        ]
        goal_rows += [
            Application.goals.through(application_id=app.pk, goal_id=g.pk)
            for g in rng.sample(goals, k=rng.randint(1, 3))
        ]
        windows += [
            AvailabilityWindow(application=app, weekday=d, start=s, end=e)
            for d, s, e in _availability(rng)
        ]
    Application.topics.through.objects.bulk_create(topic_rows, batch_size=5000)
    Application.goals.through.objects.bulk_create(goal_rows, batch_size=5000)
    AvailabilityWindow.objects.bulk_create(windows, batch_size=5000)
    demo_notice_seed()
    return {"program": program.slug, "applications_created": len(apps)}
