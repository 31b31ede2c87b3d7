#pragma once
// One valid example of every frame type, shared by the codec tests and the fuzz corpus generator
// (tests/fuzz/make_corpus.cpp). Every example passes decodeClientFrame or decodeServerFrame.
#include "protocol/codec.h"
#include "protocol/limits.h"

#include <string>
#include <vector>

namespace tidings::testing {

using protocol::Frame;

struct SampleFrame {
    std::string name;
    Frame frame;
};

inline wire::Message sampleMessage(quint64 conversation, quint64 seq, std::string payload) {
    wire::Message m;
    m.set_conversation_id(conversation);
    m.set_seq(seq);
    m.set_sender_user_id(7);
    m.set_sender_device_id(70);
    m.set_sender_username("alice");
    m.set_client_message_id("c-" + std::to_string(seq));
    m.set_server_time_ms(1'700'000'000'000 + qint64(seq));
    m.set_payload(std::move(payload));
    return m;
}

//! A stored group event: no payload, a system_event instead.
inline wire::Message sampleSystemMessage(quint64 conversation, quint64 seq) {
    wire::Message m = sampleMessage(conversation, seq, {});
    m.clear_client_message_id();
    auto *e = m.mutable_system_event();
    e->set_kind(wire::SystemEvent::KIND_MEMBER_ADDED);
    e->set_actor_user_id(7);
    e->set_actor_username("alice");
    e->set_target_user_id(9);
    e->set_target_username("carol");
    return m;
}

inline wire::Member sampleMember(quint64 user, std::string username, wire::MemberRole role,
                                 quint64 delivered, quint64 read) {
    wire::Member m;
    m.set_user_id(user);
    m.set_username(std::move(username));
    m.set_role(role);
    m.set_delivered_seq(delivered);
    m.set_read_seq(read);
    return m;
}

inline wire::Presence samplePresence(quint64 user, std::string username, bool online) {
    wire::Presence p;
    p.set_user_id(user);
    p.set_username(std::move(username));
    p.set_visible(true);
    p.set_online(online);
    p.set_last_seen_ms(online ? 0 : 1'699'999'000'000);
    return p;
}

//! A well-formed blob id: 64 lower-case hex digits.
inline std::string sampleBlobId(char digit) {
    // Written in place: GCC 12 at -O2 misreports `std::string(n, c) + "..."` as an out-of-bounds
    // copy (-Warray-bounds, GCC bug 105329), and the CI build treats warnings as errors.
    std::string id(size_t(limits::kBlobIdHexChars), digit);
    const char tail[] = "0f9e";
    for (size_t i = 0; i < 4; ++i)
        id[id.size() - 4 + i] = tail[i];
    return id;
}

//! A send whose encrypted payload points to two blobs (the ids are all the server sees of them).
inline Frame sampleSendWithAttachments() {
    Frame f;
    f.set_request_id(28);
    auto *s = f.mutable_send_request();
    s->set_conversation_id(42);
    s->set_client_message_id("01HZX3J6Q2-photo");
    s->set_payload(std::string("\x00\x01 caption and pointers", 23));
    s->add_attachment_blob_ids(sampleBlobId('a'));
    s->add_attachment_blob_ids(sampleBlobId('7'));
    return f;
}

inline std::vector<SampleFrame> validClientFrames() {
    std::vector<SampleFrame> out;
    auto add = [&](const char *name, quint64 requestId) -> Frame & {
        out.push_back({name, Frame{}});
        out.back().frame.set_request_id(requestId);
        return out.back().frame;
    };
    {
        auto *r = add("register_request", 1).mutable_register_request();
        r->set_username("alice");
        r->set_password("correct horse battery staple");
        r->set_device_name("laptop");
        r->set_display_name("Alice Liddell");
    }
    {
        auto *r = add("login_request", 2).mutable_login_request();
        r->set_username("bob.smith-2");
        r->set_password("hunter22");
        r->set_device_name("phone");
    }
    add("auth_request", 3)
        .mutable_auth_request()
        ->set_device_token(std::string(size_t(limits::kDeviceTokenBytes), '\x5a'));
    add("ping", 4).mutable_ping()->set_client_time_ms(1'700'000'000'123);
    add("open_direct_request", 5).mutable_open_direct_request()->set_username("bob");
    {
        auto *s = add("send_request", 6).mutable_send_request();
        s->set_conversation_id(42);
        s->set_client_message_id("01HZX3J6Q2-abc_def");
        s->set_payload(std::string("\x00\x01\x02 ciphertext \xff", 16));
    }
    {
        auto *a = add("delivery_ack", 0).mutable_delivery_ack();
        a->set_conversation_id(42);
        a->set_seq(17);
    }
    {
        auto *a = add("read_ack", 0).mutable_read_ack();
        a->set_conversation_id(42);
        a->set_seq(16);
    }
    {
        auto *h = add("history_request", 9).mutable_history_request();
        h->set_conversation_id(42);
        h->set_after_seq(10);
        h->set_until_seq(20);
        h->set_limit(limits::kDefaultHistoryLimit);
    }
    {
        auto *g = add("create_group_request", 10).mutable_create_group_request();
        g->set_name("Book club \xf0\x9f\x93\x9a"); // "Book club 📚"
        g->add_usernames("bob");
        g->add_usernames("Carol.K"); // normalized by the server
        g->set_signed_genesis(std::string(300, '\x01'));
    }
    {
        auto *g = add("group_change_request", 11).mutable_group_change_request();
        g->set_conversation_id(43);
        g->set_action(wire::GroupChangeRequest::ACTION_PROMOTE);
        g->set_username("bob");
        g->set_signed_change(std::string(180, '\x02'));
    }
    add("group_info_request", 12).mutable_group_info_request()->set_conversation_id(43);
    {
        auto *r = add("group_log_request", 12).mutable_group_log_request();
        r->set_conversation_id(43);
        r->set_after_version(3);
        r->set_limit(64);
    }
    {
        auto *r = add("readers_request", 13).mutable_readers_request();
        r->set_conversation_id(43);
        r->set_seq(5);
    }
    add("devices_request", 14).mutable_devices_request();
    add("revoke_device_request", 15).mutable_revoke_device_request()->set_device_id(71);
    {
        auto *r = add("change_password_request", 15).mutable_change_password_request();
        r->set_old_password("correct horse battery staple");
        r->set_new_password("a longer and newer passphrase");
    }
    {
        auto *p = add("presence_subscribe_request", 16).mutable_presence_subscribe_request();
        p->add_usernames("bob");
        p->add_usernames("carol");
    }
    add("set_privacy_request", 17)
        .mutable_set_privacy_request()
        ->set_last_seen(wire::VISIBILITY_CONTACTS);
    {
        auto *t = add("typing_request", 0).mutable_typing_request(); // ephemeral: request_id 0
        t->set_conversation_id(43);
        t->set_typing(true);
    }
    {
        auto *c = add("contact_request", 18).mutable_contact_request();
        c->set_action(wire::ContactRequest::ACTION_BLOCK);
        c->set_username("mallory");
    }
    add("contacts_request", 19).mutable_contacts_request();
    add("set_profile_request", 20).mutable_set_profile_request()->set_display_name("Alice A.");
    add("profiles_request", 21).mutable_profiles_request()->add_usernames("bob");
    {
        auto *u = add("upload_keys_request", 22).mutable_upload_keys_request();
        u->set_signing_key(std::string(32, '\x01'));
        u->set_identity_key(std::string(32, '\x02'));
        u->set_account_key(std::string(32, '\x03'));
        u->set_binding_signature(std::string(64, '\x04'));
        u->mutable_signed_prekey()->set_key_id(7);
        u->mutable_signed_prekey()->set_public_key(std::string(32, '\x05'));
        u->mutable_signed_prekey()->set_signature(std::string(64, '\x06'));
        auto *k = u->add_one_time_prekeys();
        k->set_key_id(100);
        k->set_public_key(std::string(32, '\x07'));
    }
    {
        auto *p = add("publish_device_list_request", 23).mutable_publish_device_list_request();
        p->set_signed_list(std::string(120, '\x08'));
        p->set_account_key(std::string(32, '\x03'));
    }
    add("device_list_request", 24).mutable_device_list_request()->set_user_id(8);
    {
        auto *b = add("fetch_bundles_request", 25).mutable_fetch_bundles_request();
        b->set_user_id(8);
        b->add_device_ids(12);
    }
    {
        auto *l = add("link_relay_request", 26).mutable_link_relay_request();
        l->set_device_id(13);
        l->set_blob("hello");
    }
    add("media_token_request", 27).mutable_media_token_request();
    add("account_key_request", 28).mutable_account_key_request();
    {
        auto *r = add("recover_account_request", 29).mutable_recover_account_request();
        auto *u = r->mutable_keys();
        u->set_signing_key(std::string(32, '\x01'));
        u->set_identity_key(std::string(32, '\x02'));
        u->set_account_key(std::string(32, '\x09'));
        u->set_binding_signature(std::string(64, '\x04'));
        u->mutable_signed_prekey()->set_key_id(7);
        u->mutable_signed_prekey()->set_public_key(std::string(32, '\x05'));
        u->mutable_signed_prekey()->set_signature(std::string(64, '\x06'));
        r->set_succession(std::string(400, '\x0a'));
        r->set_signed_list(std::string(120, '\x08'));
        r->set_account_key(std::string(32, '\x09'));
    }
    return out;
}

inline std::vector<SampleFrame> validServerFrames() {
    std::vector<SampleFrame> out;
    auto add = [&](const char *name, quint64 requestId) -> Frame & {
        out.push_back({name, Frame{}});
        out.back().frame.set_request_id(requestId);
        return out.back().frame;
    };
    add("error", 1) = protocol::makeError(1, ErrorCode::RateLimited, "slow down", 1500);
    add("ok", 2).mutable_ok();
    {
        auto *r = add("login_response", 3).mutable_login_response();
        r->set_user_id(7);
        r->set_device_id(70);
        r->set_device_token(std::string(size_t(limits::kDeviceTokenBytes), '\x11'));
        r->set_username("alice");
        r->set_token_expires_at_ms(1'707'776'000'000);
    }
    {
        auto *r = add("auth_response", 4).mutable_auth_response();
        r->set_user_id(7);
        r->set_device_id(70);
        r->set_username("alice");
        r->set_server_time_ms(1'700'000'000'000);
        r->set_renewed_token(std::string(size_t(limits::kDeviceTokenBytes), '\x22'));
        r->set_token_expires_at_ms(1'707'776'000'000);
    }
    {
        auto *p = add("pong", 5).mutable_pong();
        p->set_client_time_ms(1'700'000'000'123);
        p->set_server_time_ms(1'700'000'000'200);
    }
    {
        // A group (the 1:1 form, with peer_user_id and peer_username, is a corpus edge case).
        auto *c = add("conversation_info", 6).mutable_conversation_info();
        c->set_conversation_id(43);
        c->set_last_seq(99);
        c->set_kind(wire::CONVERSATION_GROUP);
        c->set_name("Book club \xf0\x9f\x93\x9a");
        *c->add_members() = sampleMember(7, "alice", wire::ROLE_ADMIN, 99, 99);
        *c->add_members() = sampleMember(8, "bob", wire::ROLE_MEMBER, 99, 97);
        *c->add_members() = sampleMember(9, "carol", wire::ROLE_MEMBER, 98, 0);
        c->set_group_state_version(4);
        c->set_group_uid(std::string(16, '\x42'));
    }
    {
        auto *l = add("group_log_response", 12).mutable_group_log_response();
        l->set_conversation_id(43);
        l->add_changes(std::string(200, '\x07'));
        l->add_changes(std::string(120, '\x08'));
        l->set_head_version(5);
        l->set_has_more(true);
    }
    {
        auto *a = add("send_ack", 7).mutable_send_ack();
        a->set_conversation_id(42);
        a->set_client_message_id("01HZX3J6Q2-abc_def");
        a->set_seq(100);
        a->set_server_time_ms(1'700'000'000'300);
        a->set_duplicate(true);
    }
    {
        auto *p = add("message_push", 0).mutable_message_push();
        *p->add_messages() = sampleMessage(42, 100, "hello");
        *p->add_messages() = sampleMessage(42, 101, std::string("\x00\xff", 2));
        *p->add_messages() = sampleSystemMessage(43, 100);
    }
    add("inbox_drained", 0).mutable_inbox_drained()->set_count(12);
    {
        auto *r = add("receipt_push", 0).mutable_receipt_push();
        r->set_conversation_id(42);
        r->set_user_id(8);
        r->set_delivered_seq(101);
        r->set_read_seq(100);
        r->set_all_delivered_seq(99);
        r->set_all_read_seq(97);
    }
    {
        auto *h = add("history_response", 9).mutable_history_response();
        *h->add_messages() = sampleMessage(42, 11, "eleven");
        *h->add_messages() = sampleMessage(42, 12, "twelve");
        h->set_has_more(true);
        auto *c = h->add_cursors();
        c->set_conversation_id(42);
        c->set_user_id(8);
        c->set_delivered_seq(12);
        c->set_read_seq(11);
    }
    {
        auto *r = add("readers_response", 13).mutable_readers_response();
        r->set_recipients(2);
        r->set_delivered(2);
        r->set_read(1);
        *r->add_members() = sampleMember(8, "bob", wire::ROLE_MEMBER, 99, 97);
        *r->add_members() = sampleMember(9, "carol", wire::ROLE_ADMIN, 98, 0);
    }
    {
        auto *d = add("devices_response", 14).mutable_devices_response();
        auto *laptop = d->add_devices();
        laptop->set_device_id(70);
        laptop->set_name("laptop");
        laptop->set_created_ms(1'690'000'000'000);
        laptop->set_last_seen_ms(1'700'000'000'000);
        laptop->set_current(true);
        laptop->set_online(true);
        auto *phone = d->add_devices();
        phone->set_device_id(71);
        phone->set_name("phone");
        phone->set_created_ms(1'695'000'000'000);
        phone->set_last_seen_ms(1'699'000'000'000);
    }
    {
        auto *p = add("presence_response", 16).mutable_presence_response();
        *p->add_presences() = samplePresence(8, "bob", true);
        *p->add_presences() = samplePresence(9, "carol", false);
        wire::Presence hidden; // privacy: only who, not whether or when
        hidden.set_user_id(10);
        hidden.set_username("dave");
        *p->add_presences() = hidden;
    }
    *add("presence_push", 0).mutable_presence_push()->mutable_presence() =
        samplePresence(9, "carol", true);
    {
        auto *t = add("typing_push", 0).mutable_typing_push();
        t->set_conversation_id(43);
        t->set_user_id(8);
        t->set_username("bob");
        t->set_typing(true);
        t->set_expires_in_ms(quint32(limits::kTypingExpiryMs));
    }
    {
        auto *c = add("contacts_response", 19).mutable_contacts_response();
        auto *bob = c->add_contacts();
        bob->set_user_id(8);
        bob->set_username("bob");
        bob->set_contact(true);
        auto *mallory = c->add_contacts();
        mallory->set_user_id(66);
        mallory->set_username("mallory");
        mallory->set_blocked(true);
        c->set_last_seen(wire::VISIBILITY_CONTACTS);
    }
    {
        auto *p = add("profiles_response", 21).mutable_profiles_response()->add_profiles();
        p->set_user_id(8);
        p->set_username("bob");
        p->set_display_name("Bob B.");
    }
    {
        auto *k = add("keys_response", 22).mutable_keys_response();
        k->set_one_time_prekeys(19);
        k->set_refill(true);
    }
    {
        auto *d = add("device_list_response", 24).mutable_device_list_response();
        d->set_user_id(8);
        d->set_signed_list(std::string(120, '\x08'));
        d->set_account_key(std::string(32, '\x03'));
    }
    {
        auto *r = add("bundles_response", 25).mutable_bundles_response();
        auto *b = r->add_bundles();
        b->set_user_id(8);
        b->set_device_id(12);
        b->set_signing_key(std::string(32, '\x01'));
        b->set_identity_key(std::string(32, '\x02'));
        b->set_binding_signature(std::string(64, '\x04'));
        b->mutable_signed_prekey()->set_key_id(7);
        b->mutable_signed_prekey()->set_public_key(std::string(32, '\x05'));
        b->mutable_signed_prekey()->set_signature(std::string(64, '\x06'));
        r->mutable_device_list()->set_user_id(8);
    }
    {
        auto *l = add("link_relay_push", 0).mutable_link_relay_push();
        l->set_from_device_id(12);
        l->set_blob("hello");
    }
    {
        auto *k = add("account_key_push", 0).mutable_account_key_push();
        k->add_successions(std::string(200, '\x0a'));
        k->set_handoff(std::string(97, '\x0b'));
    }
    add("recover_account_response", 30)
        .mutable_recover_account_response()
        ->add_logged_out_device_ids(12);
    {
        auto *m = add("media_token_response", 27).mutable_media_token_response();
        m->set_token(std::string(76, 'T'));
        m->set_expires_at_ms(1'700'000'600'000);
        m->set_max_file_bytes(quint64(2) << 30);
        m->set_chunk_bytes(limits::kMaxMediaChunkBytes);
        m->set_quota_bytes(quint64(10) << 30);
        m->set_used_bytes(123'456'789);
    }
    return out;
}

} // namespace tidings::testing
