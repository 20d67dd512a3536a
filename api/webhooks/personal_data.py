from api.webhooks.models import WebhookDelivery, WebhookSubscription
from mentoring.personal_data import not_personal

not_personal(
    WebhookSubscription,
    reason="a program's receiver URL, events and signing secret; `created_by` names the staff "
    "account that made it, as a run's creator does (the account becomes Deleted user on "
    "erasure)",
)
not_personal(
    WebhookDelivery,
    reason="events sent to a receiver: payloads hold ids and codes only (never names, email "
    "addresses or free text), and the log holds the receiver's response code and error",
)
