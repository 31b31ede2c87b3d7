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
    }
    {
        auto *r = add("auth_response", 4).mutable_auth_response();
        r->set_user_id(7);
        r->set_device_id(70);
        r->set_username("alice");
        r->set_server_time_ms(1'700'000'000'000);
    }
    {
        auto *p = add("pong", 5).mutable_pong();
        p->set_client_time_ms(1'700'000'000'123);
        p->set_server_time_ms(1'700'000'000'200);
    }
    {
        auto *c = add("conversation_info", 6).mutable_conversation_info();
        c->set_conversation_id(42);
        c->set_peer_user_id(8);
        c->set_peer_username("bob");
        c->set_last_seq(99);
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
    }
    add("inbox_drained", 0).mutable_inbox_drained()->set_count(12);
    {
        auto *r = add("receipt_push", 0).mutable_receipt_push();
        r->set_conversation_id(42);
        r->set_user_id(8);
        r->set_delivered_seq(101);
        r->set_read_seq(100);
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
    return out;
}

} // namespace tidings::testing
