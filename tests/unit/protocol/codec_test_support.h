#pragma once
// Helpers shared by the codec tests: raw protobuf writing for frames the generated API cannot
// express, canonical encodings, and the frame samples.
#include "sample_frames.h"

#include "protocol/codec.h"
#include "protocol/limits.h"

#include <QRandomGenerator>
#include <QSet>
#include <QTest>

#include <google/protobuf/stubs/logging.h>

#include <limits>
#include <string>
#include <tuple>
#include <vector>

using namespace tidings;
using tidings::protocol::Frame;
using tidings::testing::SampleFrame;
using tidings::testing::validClientFrames;
using tidings::testing::validServerFrames;

Q_DECLARE_METATYPE(tidings::ErrorCode)

namespace codec_test {

// --- raw protobuf writing (for frames the generated API cannot express) ----------------------

inline void putVarint(std::string &out, quint64 v) {
    while (v >= 0x80) {
        out.push_back(char(v | 0x80));
        v >>= 7;
    }
    out.push_back(char(v));
}

//! A length-delimited field (wire type 2).
inline void putBytesField(std::string &out, quint32 field, const std::string &value) {
    putVarint(out, (quint64(field) << 3) | 2);
    putVarint(out, value.size());
    out += value;
}

inline void putVarintField(std::string &out, quint32 field, quint64 value) {
    putVarint(out, (quint64(field) << 3) | 0);
    putVarint(out, value);
}

inline QByteArray bytes(const std::string &s) {
    return QByteArray(s.data(), qsizetype(s.size()));
}
inline QByteArray encode(const Frame &f) {
    return protocol::encodeFrame(f);
}

//! Deterministic serialization: equal frames give equal bytes.
inline std::string canonical(const Frame &f) {
    std::string out;
    f.SerializeToString(&out);
    return out;
}

//! The error codes a decoder may produce for hostile input: typed, never INTERNAL or NONE.
inline bool isTypedDecodeError(ErrorCode c) {
    switch (c) {
    case ErrorCode::BadFrame:
    case ErrorCode::TooLarge:
    case ErrorCode::UnknownFrame:
    case ErrorCode::InvalidUsername:
    case ErrorCode::WeakPassword:
    case ErrorCode::BadToken:
    case ErrorCode::GroupFull: // a create_group_request naming more than 499 others
        return true;
    default:
        return false;
    }
}

using Decoder = Result<Frame> (*)(QByteArrayView);

//! Decodes; on success the frame must re-encode and decode to the same frame.
//! Returns a failure description, empty when the contract holds.
inline QString checkDecodeContract(Decoder decode, const QByteArray &input) {
    const auto r = decode(input);
    if (!r) {
        if (!isTypedDecodeError(r.error().code))
            return QStringLiteral("untyped error %1").arg(r.error().toString());
        if (r.error().detail.isEmpty())
            return QStringLiteral("error %1 without detail").arg(r.error().toString());
        return {};
    }
    const QByteArray again = encode(*r);
    const auto r2 = decode(again);
    if (!r2)
        return QStringLiteral("re-encoded frame rejected: %1").arg(r2.error().toString());
    if (canonical(*r2) != canonical(*r))
        return QStringLiteral("re-encoded frame differs");
    return {};
}

inline Frame withRegister(const std::string &username, const std::string &password,
                          const std::string &device = "laptop",
                          const std::string &display = "Alice") {
    Frame f;
    f.set_request_id(1);
    auto *r = f.mutable_register_request();
    r->set_username(username);
    r->set_password(password);
    r->set_device_name(device);
    r->set_display_name(display);
    return f;
}

inline Frame withLogin(const std::string &username, const std::string &password,
                       const std::string &device = "laptop") {
    Frame f;
    f.set_request_id(1);
    auto *r = f.mutable_login_request();
    r->set_username(username);
    r->set_password(password);
    r->set_device_name(device);
    return f;
}

inline Frame withSend(quint64 conversation, const std::string &clientId,
                      const std::string &payload) {
    Frame f;
    f.set_request_id(1);
    auto *s = f.mutable_send_request();
    s->set_conversation_id(conversation);
    s->set_client_message_id(clientId);
    s->set_payload(payload);
    return f;
}

inline Frame withHistory(quint64 conversation, quint64 after, quint64 until, quint32 limit) {
    Frame f;
    f.set_request_id(1);
    auto *h = f.mutable_history_request();
    h->set_conversation_id(conversation);
    h->set_after_seq(after);
    h->set_until_seq(until);
    h->set_limit(limit);
    return f;
}

inline Frame withCreateGroup(const std::string &name,
                             const std::vector<std::string> &usernames = {}) {
    Frame f;
    f.set_request_id(1);
    auto *g = f.mutable_create_group_request();
    g->set_name(name);
    for (const auto &u : usernames)
        g->add_usernames(u);
    return f;
}

//! "user0", "user1", ...: n distinct valid usernames.
inline std::vector<std::string> manyUsernames(int n) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i)
        out.push_back("user" + std::to_string(i));
    return out;
}

inline Frame withGroupChange(quint64 conversation, wire::GroupChangeRequest::Action action,
                             const std::string &username, const std::string &name = {}) {
    Frame f;
    f.set_request_id(1);
    auto *g = f.mutable_group_change_request();
    g->set_conversation_id(conversation);
    g->set_action(action);
    g->set_username(username);
    g->set_name(name);
    return f;
}

inline Frame withPresenceSubscribe(const std::vector<std::string> &usernames) {
    Frame f;
    f.set_request_id(1);
    auto *p = f.mutable_presence_subscribe_request();
    for (const auto &u : usernames)
        p->add_usernames(u);
    return f;
}

inline Frame withContact(wire::ContactRequest::Action action, const std::string &username) {
    Frame f;
    f.set_request_id(1);
    f.mutable_contact_request()->set_action(action);
    f.mutable_contact_request()->set_username(username);
    return f;
}

//! A frame whose body (field `bodyField`) holds raw submessage bytes: enum values the generated
//! setters would not take (values the schema does not define; open proto3 enums keep them).
inline QByteArray rawFrame(quint32 bodyField, const std::string &body) {
    std::string raw;
    putVarintField(raw, 1, 1);
    putBytesField(raw, bodyField, body);
    return bytes(raw);
}

inline const std::string kGoodPassword = "password1";

inline int protobufLogLines = 0;
inline void countProtobufLog(google::protobuf::LogLevel, const char *, int, const std::string &) {
    ++protobufLogLines;
}

} // namespace codec_test
