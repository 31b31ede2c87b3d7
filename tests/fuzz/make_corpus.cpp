// Writes the seed corpus of the frame decoder fuzzer: one valid encoded frame of every type (the
// samples of tests/unit/protocol/sample_frames.h) plus frames at the edges of the limits and a few
// that exercise forward compatibility. Regenerate after changing the schema:
//
//   ninja -C build tidings_fuzz_make_corpus && build/tests/fuzz/tidings_fuzz_make_corpus
//   tests/fuzz/corpus
#include "sample_frames.h"

#include "protocol/codec.h"
#include "protocol/limits.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using tidings::protocol::Frame;
namespace limits = tidings::limits;

namespace {

int written = 0;

bool write(const std::filesystem::path &dir, const std::string &name, const std::string &bytes) {
    std::ofstream out(dir / (name + ".bin"), std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size()));
    if (!out) {
        std::fprintf(stderr, "make_corpus: cannot write %s\n", name.c_str());
        return false;
    }
    ++written;
    return true;
}

std::string encoded(const Frame &f) {
    const QByteArray b = tidings::protocol::encodeFrame(f);
    return std::string(b.constData(), std::size_t(b.size()));
}

void putVarint(std::string &out, quint64 v) {
    while (v >= 0x80) {
        out.push_back(char(v | 0x80));
        v >>= 7;
    }
    out.push_back(char(v));
}

void putBytesField(std::string &out, quint32 field, const std::string &value) {
    putVarint(out, (quint64(field) << 3) | 2);
    putVarint(out, value.size());
    out += value;
}

void putVarintField(std::string &out, quint32 field, quint64 value) {
    putVarint(out, quint64(field) << 3);
    putVarint(out, value);
}

//! n distinct valid usernames of 3 characters ("a00", "a01", ...): list limits in little space.
std::vector<std::string> shortUsernames(int n) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i)
        out.push_back(std::string(1, char('a' + i / 100)) + char('0' + i / 10 % 10) +
                      char('0' + i % 10));
    return out;
}

} // namespace

int main(int argc, char **argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    const std::filesystem::path dir = argv[1];
    std::filesystem::create_directories(dir);
    bool ok = true;

    for (const auto &s : tidings::testing::validClientFrames())
        ok &= write(dir, "client_" + s.name, encoded(s.frame));
    for (const auto &s : tidings::testing::validServerFrames())
        ok &= write(dir, "server_" + s.name, encoded(s.frame));

    // Edges of the limits (small ones only: libFuzzer's default -max_len is 4096).
    {
        Frame f;
        f.set_request_id(1);
        auto *r = f.mutable_register_request();
        r->set_username("  " + std::string(limits::kMaxUsernameLength, 'Z') + " ");
        r->set_password(std::string(limits::kMinPasswordBytes, 'p'));
        r->set_device_name(std::string(limits::kMaxDeviceNameBytes, 'd'));
        r->set_display_name(std::string(limits::kMaxDisplayNameBytes, 'n'));
        ok &= write(dir, "edge_register_limits", encoded(f));
    }
    {
        Frame f;
        f.set_request_id(2);
        auto *s = f.mutable_send_request();
        s->set_conversation_id(~quint64(0));
        s->set_client_message_id(std::string(limits::kMaxClientMessageIdBytes, '~'));
        s->set_payload(std::string(1, '\0'));
        ok &= write(dir, "edge_send_limits", encoded(f));
    }
    {
        Frame f;
        f.set_request_id(3);
        auto *h = f.mutable_history_request();
        h->set_conversation_id(1);
        h->set_after_seq(~quint64(0) - 1);
        h->set_until_seq(~quint64(0));
        h->set_limit(limits::kMaxHistoryLimit);
        ok &= write(dir, "edge_history_limits", encoded(f));
    }
    {
        Frame f;
        auto *p = f.mutable_message_push();
        for (quint64 seq = 1; seq <= 8; ++seq)
            *p->add_messages() = tidings::testing::sampleMessage(3, seq, std::string(seq, 'm'));
        ok &= write(dir, "edge_push_8_messages", encoded(f));
    }
    {
        Frame f;
        f.set_request_id(4);
        f.mutable_error()->set_code(tidings::wire::ErrorCode(1000)); // an unknown code
        ok &= write(dir, "edge_error_unknown_code", encoded(f));
    }
    {
        Frame f; // the 1:1 form of conversation_info (the sample is a group)
        f.set_request_id(5);
        auto *c = f.mutable_conversation_info();
        c->set_conversation_id(42);
        c->set_peer_user_id(8);
        c->set_peer_username("bob");
        c->set_last_seq(99);
        ok &= write(dir, "edge_direct_conversation_info", encoded(f));
    }
    {
        Frame f; // one member below GROUP_FULL; a duplicated chunk crosses it
        f.set_request_id(6);
        auto *g = f.mutable_create_group_request();
        g->set_name(std::string(limits::kMaxGroupNameBytes, 'g'));
        for (const auto &u : shortUsernames(limits::kMaxGroupMembers - 1))
            g->add_usernames(u);
        ok &= write(dir, "edge_create_group_limits", encoded(f));
    }
    {
        Frame f;
        f.set_request_id(7);
        auto *g = f.mutable_group_change_request();
        g->set_conversation_id(43);
        g->set_action(tidings::wire::GroupChangeRequest::ACTION_RENAME);
        g->set_name(std::string(limits::kMaxGroupNameBytes, 'n'));
        ok &= write(dir, "edge_group_rename_limits", encoded(f));
    }
    {
        Frame f; // the members of a full group, ids only
        f.set_request_id(8);
        auto *c = f.mutable_conversation_info();
        c->set_conversation_id(43);
        c->set_kind(tidings::wire::CONVERSATION_GROUP);
        c->set_name("full");
        for (int i = 0; i < limits::kMaxGroupMembers; ++i)
            c->add_members()->set_user_id(quint64(i + 1));
        ok &= write(dir, "edge_group_info_500_members", encoded(f));
    }
    {
        Frame f;
        f.set_request_id(9);
        auto *p = f.mutable_presence_subscribe_request();
        for (const auto &u : shortUsernames(limits::kMaxPresenceSubscriptions))
            p->add_usernames(u);
        ok &= write(dir, "edge_presence_100_subscriptions", encoded(f));
    }
    {
        // Enum values this schema does not define (proto3 keeps them): rejected as BAD_FRAME.
        std::string group;
        putVarintField(group, 1, 43);
        putVarintField(group, 2, 6);
        putBytesField(group, 3, "bob");
        std::string raw;
        putVarintField(raw, 1, 10);
        putBytesField(raw, 41, group);
        ok &= write(dir, "edge_group_change_unknown_action", raw);
        std::string privacy;
        putVarintField(privacy, 1, 3);
        raw.clear();
        putVarintField(raw, 1, 11);
        putBytesField(raw, 63, privacy);
        ok &= write(dir, "edge_privacy_unknown_visibility", raw);
    }
    // Media: a send naming the blobs its payload points to (the most a send may name), and a
    // token response at the token's size limit.
    ok &= write(dir, "client_send_request_attachments",
                encoded(tidings::testing::sampleSendWithAttachments()));
    {
        Frame f = tidings::testing::sampleSendWithAttachments();
        auto *s = f.mutable_send_request();
        s->clear_attachment_blob_ids();
        for (int i = 0; i < limits::kMaxAttachmentsPerSend; ++i)
            s->add_attachment_blob_ids(tidings::testing::sampleBlobId(char('0' + i % 10)));
        ok &= write(dir, "edge_send_32_attachments", encoded(f));
    }
    {
        Frame f;
        f.set_request_id(10);
        auto *m = f.mutable_media_token_response();
        m->set_token(std::string(limits::kMaxMediaTokenBytes, 'T'));
        m->set_expires_at_ms(~quint64(0) >> 1);
        m->set_max_file_bytes(~quint64(0));
        m->set_chunk_bytes(limits::kMaxMediaChunkBytes);
        m->set_quota_bytes(~quint64(0));
        m->set_used_bytes(~quint64(0));
        ok &= write(dir, "edge_media_token_limits", encoded(f));
    }
    // Forward compatibility: unknown fields, an unknown frame type, an empty frame.
    {
        std::string raw = encoded(tidings::testing::validClientFrames().front().frame);
        putBytesField(raw, 900, "future top-level field");
        ok &= write(dir, "compat_unknown_top_level_field", raw);
    }
    {
        std::string body;
        putBytesField(body, 1, "future request");
        std::string raw;
        putVarint(raw, 1 << 3);
        putVarint(raw, 5);
        putBytesField(raw, 999, body); // not a frame type (60 became presence_subscribe_request)
        Frame check;
        if (!check.ParseFromString(raw) || check.body_case() != Frame::BODY_NOT_SET) {
            std::fprintf(stderr, "make_corpus: field 999 is a frame type now; pick another\n");
            ok = false;
        }
        ok &= write(dir, "compat_unknown_frame_type", raw);
    }
    ok &= write(dir, "compat_empty_frame", std::string());

    std::printf("make_corpus: wrote %d files to %s\n", written, dir.c_str());
    return ok ? 0 : 1;
}
