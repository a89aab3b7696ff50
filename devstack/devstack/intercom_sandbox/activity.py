"""Admin activity log entries: every activity type of the 2.16 description, with metadata.

The metadata of each type follows what the description documents: the properties of
``activity_log_metadata`` with their example values (``auto_changed`` is a boolean in the
example though typed string), and ``before``/``after`` whose "structure varies by activity
type": strings (``app_name_change``, as in the response example), numbers, lists or objects.
The response examples' own entries (``documented.activity_logs``) are served as well.
"""

from __future__ import annotations

import random
import typing as t

from devstack.intercom_sandbox import documented

Record = dict[str, t.Any]

#: ``activity_log.activity_type`` of the 2.16 description, in its order.
ACTIVITY_TYPES = (
    "admin_conversation_assignment_limit_change",
    "admin_ticket_assignment_limit_change",
    "admin_avatar_change",
    "admin_away_mode_change",
    "admin_deletion",
    "admin_deprovisioned",
    "admin_impersonation_end",
    "admin_impersonation_start",
    "admin_impersonation_consent_approved",
    "admin_impersonation_consent_revoked",
    "admin_invite_change",
    "admin_invite_creation",
    "admin_invite_deletion",
    "admin_login_failure",
    "admin_login_success",
    "admin_logout",
    "admin_occupancy_setting_change",
    "admin_occupancy_state_change",
    "admin_password_reset_request",
    "admin_password_reset_success",
    "admin_permission_change",
    "admin_provisioned",
    "admin_two_factor_auth_change",
    "admin_unauthorized_sign_in_method",
    "app_admin_join",
    "app_authentication_method_change",
    "app_data_deletion",
    "app_data_export",
    "app_google_sso_domain_change",
    "app_identity_verification_change",
    "app_name_change",
    "app_outbound_address_change",
    "app_package_installation",
    "app_package_token_regeneration",
    "app_package_uninstallation",
    "app_team_creation",
    "app_team_deletion",
    "app_team_membership_modification",
    "app_timezone_change",
    "app_webhook_creation",
    "app_webhook_deletion",
    "articles_in_messenger_enabled_change",
    "automatic_away_mode_setting_change",
    "bulk_delete",
    "bulk_export",
    "campaign_deletion",
    "campaign_state_change",
    "conversation_deletion_schedule_creation",
    "conversation_deletion_schedule_deletion",
    "conversation_deletion_schedule_state_change",
    "conversation_deletion_schedule_update",
    "conversation_part_deletion",
    "conversation_pdf_export",
    "conversation_topic_change",
    "conversation_topic_creation",
    "conversation_topic_deletion",
    "content_redaction_rule_creation",
    "content_redaction_rule_deletion",
    "content_redaction_rule_update",
    "csv_import_completion",
    "csv_import_creation",
    "custom_authentication_token_creation",
    "help_center_settings_change",
    "inbound_conversations_change",
    "inbox_access_change",
    "macro_creation",
    "macro_deletion",
    "macro_update",
    "macro_usage_export",
    "malicious_domains_setting_change",
    "message_deletion",
    "message_state_change",
    "messenger_api_secret_creation",
    "messenger_api_secret_deletion",
    "messenger_look_and_feel_change",
    "messenger_search_required_change",
    "messenger_spaces_change",
    "oauth_token_revocation",
    "office_hours_change",
    "role_change",
    "role_creation",
    "role_deletion",
    "ruleset_activation_title_preview",
    "ruleset_creation",
    "ruleset_deletion",
    "search_browse_enabled_change",
    "search_browse_required_change",
    "seat_change",
    "seat_revoke",
    "security_settings_change",
    "series_creation",
    "series_deletion",
    "series_settings_update",
    "series_status_change",
    "series_update",
    "strip_inbound_email_links_change",
    "temporary_expectation_change",
    "team_assignment_limit_change",
    "trusted_domains_setting_change",
    "unassign_unsnoozed_at_capacity_setting_change",
    "unassign_unsnoozed_when_away_setting_change",
    "upfront_email_collection_change",
    "allowed_attachment_filetypes_setting_change",
    "attach_uploads_inline_setting_change",
    "teammate_gifs_setting_change",
    "user_camera_attachments_setting_change",
    "user_conversation_attachments_setting_change",
    "user_file_attachments_setting_change",
    "user_gifs_setting_change",
    "user_media_attachments_setting_change",
    "user_voice_notes_setting_change",
    "welcome_message_change",
    "workspace_deletion_request",
    "hide_csat_from_agents_setting_change",
)

AWAY = {
    "away_mode": True,
    "away_status_reason": "\U0001f60c On a break",
    "reassign_conversations": False,
    "source": "admin update from web - Admin id: 93",
    "auto_changed": False,
    "update_by": 93,
    "update_by_name": "Joe Example",
}
OCCUPANCY = {
    "previous_state": "idle",
    "new_state": "occupied",
    "threshold_minutes": 15,
    "last_activity_at": 1671028894,
    "auto": True,
}
SETTING = {
    "setting_type": "teammate_occupancy",
    "changes": {"occupancy_window_minutes": {"before": 15, "after": 30}},
}

# Metadata per activity type where the description documents it; other types get a
# before/after pair whose shape rotates (see ``_before_after``).
METADATA: dict[str, Record] = {
    "admin_login_success": {"sign_in_method": "email_password"},
    "admin_login_failure": {"sign_in_method": "google_sso"},
    "admin_away_mode_change": AWAY,
    "admin_occupancy_state_change": OCCUPANCY,
    "admin_occupancy_setting_change": SETTING,
    "automatic_away_mode_setting_change": {"enabled": True, "mode": "when_away_only"},
    "admin_conversation_assignment_limit_change": {"conversation_assignment_limit": 15},
    "admin_ticket_assignment_limit_change": {"ticket_assignment_limit": 20},
    "team_assignment_limit_change": {
        "team": {"id": 123, "name": "Support Team"},
        "team_assignment_limit": None,
    },
    "admin_impersonation_consent_approved": {
        "consent_id": 149673,
        "expired_at": "2025-12-04T09:31:57.000Z",
    },
    "admin_impersonation_consent_revoked": {"consent_id": 149673, "expired_at": None},
    "app_name_change": {"before": "Sandbox", "after": "Sandbox Inc."},
    "message_state_change": {
        "message": {"id": 123, "title": "Initial message title"},
        "before": "Initial message title",
        "after": "Eventual message title",
    },
    "csv_import_creation": {"external_id": "f3b87a2e09d514c6c2e79b9a"},
}


def _before_after(k: int) -> Record:
    """A before/after pair of the k-th shape: objects, numbers, lists, strings, nulls."""
    shapes: list[tuple[t.Any, t.Any]] = [
        ({"enabled": False}, {"enabled": True}),
        (15, 30),
        (["pdf", "png"], ["pdf"]),
        ("Europe/Dublin", "America/New_York"),
        (None, {"id": 7, "name": "New"}),
    ]
    before, after = shapes[k % len(shapes)]
    return {"before": before, "after": after}


def activity_logs(
    rng: random.Random, when: t.Callable[[], int], admins: list[Record]
) -> list[Record]:
    """One entry per activity type, then the description's own example entries."""
    entries = []
    for k, kind in enumerate(ACTIVITY_TYPES):
        admin = admins[k % len(admins)]
        entries.append(
            {
                "id": f"{rng.getrandbits(64):016x}-log-{k:04d}",
                "performed_by": {
                    "type": "admin",
                    "id": admin["id"],
                    "email": admin["email"],
                    "ip": "127.0.0.1",
                },
                "metadata": dict(METADATA.get(kind) or _before_after(k)),
                "created_at": when(),
                "activity_type": kind,
                "activity_description": f"{admin['name']} did {kind.replace('_', ' ')}.",
            }
        )
    for k, example in enumerate(documented.activity_logs()):
        entries.append({**example, "id": f"{example['id']}-{k}", "created_at": when()})
    return entries
