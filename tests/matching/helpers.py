from datetime import time

from programs.models import Application, Program
from programs.services import ApplicationData, application_decide, application_submit
from tests.factories import UserFactory
from tests.programs.helpers import make_program


def make_formal_program(**fields) -> Program:
    return make_program(kind="formal", **fields)


def make_informal_program(**fields) -> Program:
    """A program where mentees ask mentors (suggestions and requests), not matching runs."""
    return make_program(kind="informal", **fields)


def approved(
    program: Program,
    role: str,
    *,
    name: str,
    stage: int,
    topics=(0,),
    capacity: int | None = None,
    zone: str = "Europe/London",
    windows=((0, time(17), time(19)),),
    languages=("English",),
    fmt: str = "either",
) -> Application:
    user = UserFactory(display_name=name, time_zone=zone)
    all_topics = list(program.topics.order_by("pk"))
    data = ApplicationData(
        role=role,
        career_stage=program.career_stages.get(position=stage),
        topics=[all_topics[k] for k in topics],
        goals=list(program.goals.order_by("pk")[:1]),
        languages=list(languages),
        format_preference=fmt,
        time_zone=zone,
        capacity=capacity if role == "mentor" else None,
        availability=list(windows),
    )
    application = application_submit(program=program, user=user, data=data)
    return application_decide(application=application, status="approved")
