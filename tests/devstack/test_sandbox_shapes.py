"""Record shapes against the OpenAPI descriptions of the version asked for.

Property names are copied from intercom-api-2.16.yaml and intercom-api-2.14.yaml.
"""

from __future__ import annotations

import typing as t

import pytest

from tests.devstack.sandbox_helpers import Client

if t.TYPE_CHECKING:
    from devstack.intercom_sandbox import Sandbox

SPEC_2_16: dict[str, str] = {
    "admin": (
        "avatar away_mode_enabled away_mode_reassign away_status_reason_id email "
        "has_inbox_seat id job_title name role team_ids team_priority_level type"
    ),
    "team": "admin_ids admin_priority_level assignment_limit distribution_method id name type",
    "tag": "applied_at applied_by id name type",
    "segment": "count created_at id name person_type type updated_at",
    "data_attribute": (
        "admin_id api_writable archived created_at custom data_type description full_name id "
        "label messenger_writable model name options type ui_writable updated_at"
    ),
    "contact": (
        "android_app_name android_app_version android_device android_last_seen_at "
        "android_os_version android_sdk_version avatar browser browser_language "
        "browser_version companies created_at custom_attributes email email_domain "
        "external_id has_hard_bounced id ios_app_name ios_app_version ios_device "
        "ios_last_seen_at ios_os_version ios_sdk_version language_override last_contacted_at "
        "last_email_clicked_at last_email_opened_at last_replied_at last_seen_at location "
        "marked_email_as_spam merge_history name notes os owner_id phone role signed_up_at "
        "social_profiles tags type unsubscribed_from_emails updated_at workspace_id"
    ),
    "company": (
        "app_id company_id created_at custom_attributes id industry last_request_at "
        "monthly_spend name notes plan remote_created_at segments session_count size tags "
        "type updated_at user_count website"
    ),
    "conversation": (
        "admin_assignee_id ai_agent ai_agent_participated channel company contacts "
        "conversation_parts conversation_rating created_at custom_attributes "
        "external_references first_contact_reply id linked_objects monitor_evaluations open "
        "priority read sales_agent sales_agent_participated scorecards sla_applied "
        "snoozed_until source state statistics tags team_assignee_id teammates title type "
        "updated_at waiting_since"
    ),
    "conversation_part": (
        "app_package_code assigned_to attachments author body created_at "
        "email_message_metadata event_details external_id id metadata notified_at part_type "
        "redacted state tags type updated_at"
    ),
    "ticket": (
        "admin_assignee_id category contacts created_at id is_shared linked_objects open "
        "previous_ticket_state_id snoozed_until team_assignee_id ticket_attributes ticket_id "
        "ticket_parts ticket_state ticket_type type updated_at"
    ),
    "ticket_part": (
        "app_package_code assigned_to attachments author body created_at external_id id "
        "part_type previous_ticket_state redacted ticket_state type updated_at "
        "updated_attribute_data"
    ),
    "article_list_item": (
        "ai_chatbot_availability ai_copilot_availability ai_sales_agent_availability "
        "author_id body body_markdown created_at created_by_id default_locale description "
        "draft_updated_at exclude_from_article_suggestions has_unpublished_changes "
        "help_center_audience id parent_ids scheduled_publish_at scheduled_unpublish_at state "
        "tags title translated_content type updated_at updated_by_id url workspace_id"
    ),
    "help_center": (
        "created_at custom_domain default display_name id identifier locales updated_at url "
        "website_turned_on workspace_id"
    ),
    "collection": (
        "created_at default_locale description help_center_id icon id name order parent_id "
        "translated_content updated_at url workspace_id"
    ),
    "news_item": (
        "body cover_image_url created_at deliver_silently id labels newsfeed_assignments "
        "reactions sender_id state title type updated_at workspace_id"
    ),
    "newsfeed": "created_at id name type updated_at",
    "subscription_type": (
        "consent_type content_types default_translation id state translations type"
    ),
    "macro": (
        "available_on body body_text created_at id name type updated_at visible_to "
        "visible_to_team_ids"
    ),
    "activity_log": "activity_description activity_type created_at id metadata performed_by",
    "ticket_type": (
        "archived category created_at description icon id name ticket_states "
        "ticket_type_attributes type updated_at workspace_id"
    ),
    "ticket_state_detailed": "archived category external_label id internal_label ticket_types type",
    "note": "author body company contact created_at id type",
    "deleted_conversation_item": "deleted_at id metrics_retained type",
}
SPEC_2_14: dict[str, str] = {
    "admin": (
        "avatar away_mode_enabled away_mode_reassign away_status_reason_id email "
        "has_inbox_seat id job_title name team_ids team_priority_level type"
    ),
    "team": "admin_ids admin_priority_level assignment_limit distribution_method id name type",
    "tag": "applied_at applied_by id name type",
    "segment": "count created_at id name person_type type updated_at",
    "data_attribute": (
        "admin_id api_writable archived created_at custom data_type description full_name id "
        "label messenger_writable model name options type ui_writable updated_at"
    ),
    "contact": (
        "android_app_name android_app_version android_device android_last_seen_at "
        "android_os_version android_sdk_version avatar browser browser_language "
        "browser_version companies created_at custom_attributes email email_domain "
        "external_id has_hard_bounced id ios_app_name ios_app_version ios_device "
        "ios_last_seen_at ios_os_version ios_sdk_version language_override last_contacted_at "
        "last_email_clicked_at last_email_opened_at last_replied_at last_seen_at location "
        "marked_email_as_spam name notes os owner_id phone role signed_up_at social_profiles "
        "tags type unsubscribed_from_emails updated_at workspace_id"
    ),
    "company": (
        "app_id company_id created_at custom_attributes id industry last_request_at "
        "monthly_spend name plan remote_created_at segments session_count size tags type "
        "updated_at user_count website"
    ),
    "conversation": (
        "admin_assignee_id ai_agent ai_agent_participated contacts conversation_parts "
        "conversation_rating created_at custom_attributes first_contact_reply id "
        "linked_objects open priority read sla_applied snoozed_until source state statistics "
        "tags team_assignee_id teammates title type updated_at waiting_since"
    ),
    "conversation_part": (
        "app_package_code assigned_to attachments author body created_at "
        "email_message_metadata event_details external_id id metadata notified_at part_type "
        "redacted state tags type updated_at"
    ),
    "ticket": (
        "admin_assignee_id category contacts created_at id is_shared linked_objects open "
        "snoozed_until team_assignee_id ticket_attributes ticket_id ticket_parts ticket_state "
        "ticket_type type updated_at"
    ),
    "ticket_part": (
        "app_package_code assigned_to attachments author body created_at external_id id "
        "part_type previous_ticket_state redacted ticket_state type updated_at "
        "updated_attribute_data"
    ),
    "article_list_item": (
        "author_id body created_at default_locale description id parent_id parent_ids "
        "parent_type state tags title translated_content type updated_at url workspace_id"
    ),
    "help_center": (
        "created_at custom_domain display_name id identifier updated_at url website_turned_on "
        "workspace_id"
    ),
    "collection": (
        "created_at default_locale description help_center_id icon id name order parent_id "
        "translated_content updated_at url workspace_id"
    ),
    "news_item": (
        "body cover_image_url created_at deliver_silently id labels newsfeed_assignments "
        "reactions sender_id state title type updated_at workspace_id"
    ),
    "newsfeed": "created_at id name type updated_at",
    "subscription_type": (
        "consent_type content_types default_translation id state translations type"
    ),
    "activity_log": "activity_description activity_type created_at id metadata performed_by",
    "ticket_type": (
        "archived category created_at description icon id name ticket_states "
        "ticket_type_attributes type updated_at workspace_id"
    ),
    "ticket_state_detailed": "archived category external_label id internal_label ticket_types type",
    "note": "author body contact created_at id type",
}

# Properties the spec lists that a record may leave out, with the reason.
OPTIONAL = {
    "tag": {"applied_at", "applied_by"},  # only on tags applied to something (/contacts/{id}/tags)
    "note": {"company"},  # contact notes carry `contact`; company notes carry `company`
}
# Properties the response examples of both versions carry beyond the schema (the sandbox
# serves the examples' shapes too).
EXAMPLE_ONLY = {
    "contact": {
        "utm_campaign utm_content utm_medium utm_source utm_term referrer enabled_push_messaging"
        " opted_in_subscription_types opted_out_subscription_types"
    },
    "conversation": {"topics ticket"},
}


def _samples(
    sandbox_client: Client, sandbox: Sandbox
) -> dict[str, t.Callable[[], dict[str, t.Any]]]:
    ws = sandbox.workspace
    return {
        "admin": lambda: sandbox_client.get("/admins").json()["admins"][0],
        "team": lambda: sandbox_client.get("/teams").json()["teams"][0],
        "tag": lambda: sandbox_client.get("/tags").json()["data"][0],
        "segment": lambda: sandbox_client.get("/segments", include_count="true").json()["segments"][
            0
        ],
        "data_attribute": lambda: sandbox_client.get("/data_attributes", model="contact").json()[
            "data"
        ][-1],
        "contact": lambda: sandbox_client.post("/contacts/search", {}).json()["data"][0],
        "company": lambda: sandbox_client.get(f"/companies/{ws.company_id(0)}").json(),
        "conversation": lambda: sandbox_client.get("/conversations/1000001").json(),
        "conversation_part": lambda: sandbox_client.get("/conversations/1000001").json()[
            "conversation_parts"
        ]["conversation_parts"][0],
        "ticket": lambda: sandbox_client.get(f"/tickets/{ws.ticket_id(1)}").json(),
        "ticket_part": lambda: sandbox_client.get(f"/tickets/{ws.ticket_id(1)}").json()[
            "ticket_parts"
        ]["ticket_parts"][0],
        "article_list_item": lambda: sandbox_client.get("/articles").json()["data"][0],
        "help_center": lambda: sandbox_client.get("/help_center/help_centers").json()["data"][0],
        "collection": lambda: sandbox_client.get("/help_center/collections").json()["data"][0],
        "news_item": lambda: sandbox_client.get("/news/news_items").json()["data"][0],
        "newsfeed": lambda: sandbox_client.get("/news/newsfeeds").json()["data"][0],
        "subscription_type": lambda: sandbox_client.get("/subscription_types").json()["data"][0],
        "macro": lambda: sandbox_client.get("/macros").json()["data"][0],
        "activity_log": lambda: sandbox_client.get(
            "/admins/activity_logs", created_at_after=0
        ).json()["activity_logs"][0],
        "ticket_type": lambda: sandbox_client.get("/ticket_types").json()["data"][0],
        "ticket_state_detailed": lambda: sandbox_client.get("/ticket_states").json()["data"][0],
        "note": lambda: sandbox_client.get(f"/contacts/{ws.contact_id(1)}/notes").json()["data"][0],
        "deleted_conversation_item": lambda: sandbox_client.get("/conversations/deleted").json()[
            "conversations"
        ][0],
    }


@pytest.mark.parametrize(("version", "spec"), [("2.16", SPEC_2_16), ("2.14", SPEC_2_14)])
def test_records_have_their_versions_properties(
    intercom_sandbox: Sandbox, version: str, spec: dict[str, str]
) -> None:
    client = Client(intercom_sandbox, version=version)
    checked = 0
    for schema, fetch in _samples(client, intercom_sandbox).items():
        if schema not in spec:
            continue
        record = fetch()
        expected = set(spec[schema].split())
        got = set(record)
        extra = {name for names in EXAMPLE_ONLY.get(schema, set()) for name in names.split()}
        assert got <= expected | extra, (version, schema, sorted(got - expected))
        assert expected - got <= OPTIONAL.get(schema, set()), (
            version,
            schema,
            sorted(expected - got),
        )
        checked += 1
    assert checked >= 20


def test_known_type_drift_is_reproduced(sandbox_client: Client, intercom_sandbox: Sandbox) -> None:
    ws = intercom_sandbox.workspace
    closed = next(
        ws.conversation(i)
        for i in range(len(ws.conversations))
        if i not in ws.conversations.deleted and ws.conversation(i)["state"] == "closed"
    )
    record = sandbox_client.get(f"/conversations/{closed['id']}").json()
    # Documented as a string, sent as a number (Intercom-OpenAPI issue #115).
    assert isinstance(record["statistics"]["last_closed_by_id"], int)
    assert isinstance(record["team_assignee_id"], int)
    rated = sandbox_client.get(f"/conversations/{ws.conversation_id(0)}").json()
    assert isinstance(rated["conversation_rating"]["teammate"]["id"], str)
    with_file = sandbox_client.get(f"/conversations/{ws.conversation_id(13)}").json()
    attachment = with_file["source"]["attachments"][0]
    assert isinstance(attachment["width"], str)
    assert isinstance(attachment["height"], str)
