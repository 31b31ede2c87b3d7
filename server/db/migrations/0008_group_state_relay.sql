-- The signed change an event row carries (issue 12; docs/design/group-state.md §4.2): pushes,
-- inbox drains and history read each system event's log entry by (conversation, first_seq), so
-- every member's client gets the blob in the same ordered stream as the event, with no new path.
CREATE INDEX group_state_log_first_seq ON group_state_log (conversation_id, first_seq);
