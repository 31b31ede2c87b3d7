// Fuzz target for everything E2eEngine parses from the network: Message.envelope (the engine's
// kind byte, PreKeyMessage, ratchet message, the E2eBody inside, sender-key distributions),
// Message.payload (sender-key messages), signed device lists and the link hello/grant blobs.
// Every input must be refused with an error or accepted, never crash, and a refused decrypt
// must leave the state usable (a valid message still decrypts afterwards).
//
// Input: u8 selector ‖ data. Selectors 0–4 feed `data` as is; 5–7 XOR `data` into a valid
// envelope / group payload / device list made at start-up, to reach the code behind the MACs'
// outer checks. Built with replay_main.cpp (GCC) like tests/fuzz; with clang it can be built as
// a libFuzzer binary the same way as fuzz_frame_decoder.
#include "core/e2e/e2e_engine.h"
#include "test_e2e_helpers.h"

#include <QCoreApplication>

#include <cstdio>
#include <cstdlib>

using namespace e2etest;

namespace {
struct World {
    FakeServer server;
    Device alice{1, 1};
    Device bob{2, 1};
    Device linker{2, 2};
    wire::Message valid;     //!< a pairwise message from bob to alice, never committed
    QByteArray groupPayload; //!< a group payload from bob (alice holds the key)
    wire::DeviceListResponse list;

    World() {
        setUpFirstDevice(server, alice);
        setUpFirstDevice(server, bob);
        must(linker->ensureDeviceKeys(2, 2, false), "linker keys");
        introduce(server, bob, alice);
        must(alice->acceptDeviceList(server.list(2)), "list");
        auto first = must(bob->encryptGroup(9, {alice.addr}, textBody(QStringLiteral("g0"))), "g0");
        auto r = must(
            alice->decrypt(
                messageFrom(bob, 9, qba(first.distributions.at(0).payload()), first.payload), 1, 1),
            "decrypt g0");
        must(r.commit(), "commit");
        groupPayload =
            must(bob->encryptGroup(9, {alice.addr}, textBody(QStringLiteral("g1"))), "g1").payload;
        valid = sendText(bob, alice, QStringLiteral("valid"));
        list = server.list(2);
    }
};

World *world = nullptr;

[[noreturn]] void fail(const char *what) {
    std::fprintf(stderr, "fuzz_e2e_inputs: %s\n", what);
    std::abort();
}

QByteArray xorInto(QByteArray base, const QByteArray &data) {
    for (qsizetype i = 0; i < data.size(); ++i) {
        if (i < base.size())
            base[i] = char(base[i] ^ data[i]);
        else
            base.append(data[i]);
    }
    return base;
}

void expectRefusedOrOk(const tidings::Status &s) {
    if (!s && s.error().detail.isEmpty())
        fail("an error without a detail");
}
} // namespace

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv) {
    static QCoreApplication app(*argc, *argv);
    world = new World;
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *bytes, std::size_t size) {
    if (size < 1 || size > 1 << 16)
        return 0;
    World &w = *world;
    const QByteArray data(reinterpret_cast<const char *>(bytes) + 1, qsizetype(size - 1));
    auto decryptOnly = [&](const wire::Message &m) {
        auto r = w.alice->decrypt(m, 1, 1);
        if (!r)
            expectRefusedOrOk(r.error());
        // Never committed: the world stays the same for the next input.
    };
    switch (bytes[0] % 8) {
    case 0:
        decryptOnly(messageFrom(w.bob, 7, data));
        break;
    case 1:
        decryptOnly(messageFrom(w.bob, 9, {}, data));
        break;
    case 2: {
        wire::DeviceListResponse l = w.list;
        l.set_signed_list(str(data));
        auto r = w.alice->acceptDeviceList(l);
        if (r && r->identityChanged)
            fail("a fuzzed list changed an identity");
        break;
    }
    case 3: {
        must(w.bob->createLinkCode(1), "code");
        auto r = w.bob->answerLinkHello(2, data);
        if (r)
            fail("a fuzzed hello was answered");
        break;
    }
    case 4: {
        auto s = w.linker->acceptLinkGrant(data);
        if (s)
            fail("a grant opened without a link");
        break;
    }
    case 5: {
        wire::Message m = w.valid;
        m.set_envelope(str(xorInto(qba(m.envelope()), data)));
        decryptOnly(m);
        break;
    }
    case 6:
        decryptOnly(messageFrom(w.bob, 9, {}, xorInto(w.groupPayload, data)));
        break;
    case 7: {
        wire::DeviceListResponse l = w.list;
        l.set_signed_list(str(xorInto(qba(l.signed_list()), data)));
        (void)w.alice->acceptDeviceList(l);
        break;
    }
    }
    // The state is intact: the untouched message still decrypts.
    if (!w.alice->decrypt(w.valid, 1, 1))
        fail("a refused input damaged the session state");
    return 0;
}
