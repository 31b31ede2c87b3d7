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
        putBytesField(raw, 60, body);
        ok &= write(dir, "compat_unknown_frame_type", raw);
    }
    ok &= write(dir, "compat_empty_frame", std::string());

    std::printf("make_corpus: wrote %d files to %s\n", written, dir.c_str());
    return ok ? 0 : 1;
}
