// Fuzz target for everything E2eEngine parses from the network: Message.envelope (the engine's
// kind byte, PreKeyMessage, ratchet message, the E2eBody inside, sender-key distributions),
// Message.payload (sender-key messages), signed device lists and the link hello/grant blobs.
// Every input must be refused with an error or accepted, never crash, and a refused decrypt
// must leave the state usable (a valid message still decrypts afterwards).
//
// Input: u8 selector ‖ data. Selectors 0–4 feed `data` as is; 5–7 XOR `data` into a valid
// envelope / group payload / device list made at start-up, to reach the code behind the MACs'
// outer checks. The MACs keep fuzzed ciphertext away from what lies behind them, so the rest
// reach it directly:
//   8   the header parsers (envelope kind byte, PreKeyMessage, ratchet header, sender-key message
//       dist_id, SenderKeyDistribution): accepted means canonical (encoding again gives the input)
//   9   the session states the key store keeps (ratchet session, sender-key sender and receiver,
//       prekeys, replay cache): an accepted state serializes stably
//   10  `data` as the plaintext of a real ratchet session, 11 of a real sender-key chain: it must
//       decrypt to itself, then goes through the body decoding of MessageOpener and E2eReceiver
//       (E2eBody, its sender-key distribution and a receiver from it, the Content with its
//       attachment checks)
// Built with replay_main.cpp (GCC) like tests/fuzz; with clang as a libFuzzer binary.
#include "core/e2e/e2e_engine.h"
#include "core/e2e/envelope.h"
#include "core/sync/payload_codec.h"
#include "crypto/sender_keys.h"
#include "crypto/session.h"
#include "test_e2e_helpers.h"

#include <google/protobuf/stubs/logging.h>

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
    // Crypto-level sessions for selectors 10 and 11: the sending side encrypts the fuzzed bytes.
    tidings::crypto::RatchetSession ratchetSender;
    tidings::crypto::RatchetSession ratchetReceiver;
    SecretBytes senderKeySender; //!< serialized: each input encrypts on a fresh copy
    tidings::crypto::SenderKeyReceiver senderKeyReceiver;

    World() {
        using namespace tidings::crypto;
        const SecretBytes shared = SecretBytes::random(32);
        const X25519KeyPair spk = X25519KeyPair::generate();
        ratchetSender =
            must(RatchetSession::initInitiator(shared, QByteArray("ad"), spk.publicKey), "init");
        ratchetReceiver =
            must(RatchetSession::initResponder(shared, QByteArray("ad"), spk), "respond");
        SenderKeySender sks = SenderKeySender::create(QByteArray(8, '\x09'));
        senderKeyReceiver = must(SenderKeyReceiver::fromDistribution(sks.distribution()), "rx");
        senderKeySender = sks.serialize();

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

template <typename T> void expectTyped(const tidings::Result<T> &r) {
    if (!r && r.error().detail.isEmpty())
        fail("an error without a detail");
}

QByteArray bytesOf(const SecretBytes &s) {
    return QByteArray(s.constChar(), qsizetype(s.size()));
}

void headerParsers(const QByteArray &data) {
    using namespace tidings::crypto;
    namespace e2e = tidings::client::e2e;
    auto env = e2e::parseEnvelope(data);
    expectTyped(env);
    if (env && e2e::makeEnvelope(env->kind, env->inner) != data)
        fail("an accepted envelope is not canonical");
    auto pkm = PreKeyMessage::decode(data);
    expectTyped(pkm);
    if (pkm && pkm->encode() != data)
        fail("an accepted prekey message is not canonical");
    auto header = peekRatchetHeader(data);
    expectTyped(header);
    if (header && header->dh.size() != 32)
        fail("a ratchet header with a key that is not 32 bytes");
    auto distId = senderKeyMessageDistId(data);
    expectTyped(distId);
    if (distId && distId->size() != qsizetype(kDistIdSize))
        fail("a dist_id of the wrong size");
    auto dist = SenderKeyDistribution::parse(data);
    expectTyped(dist);
    if (dist && bytesOf(dist->serialize()) != data)
        fail("an accepted distribution is not canonical");
}

//! An accepted state serializes, and what it serializes to deserializes to the same bytes.
template <typename State> void stableState(const QByteArray &data) {
    auto state = State::deserialize(data);
    expectTyped(state);
    if (!state)
        return;
    const SecretBytes once = state->serialize();
    auto again = State::deserialize(once);
    if (!again || !again->serialize().equals(once.data(), once.size()))
        fail("a stored state does not serialize stably");
}

void stateParsers(const QByteArray &data) {
    using namespace tidings::crypto;
    stableState<RatchetSession>(data);
    stableState<SenderKeySender>(data);
    stableState<SenderKeyReceiver>(data);
    stableState<PreKeyStore>(data);
    auto cache = X3dhReplayCache::decode(data);
    expectTyped(cache);
    if (cache) {
        auto again = X3dhReplayCache::decode(cache->encode());
        if (!again || again->encode() != cache->encode())
            fail("a replay cache does not encode stably");
    }
}

//! What MessageOpener and E2eReceiver do with a decrypted body.
void openBody(const SecretBytes &plaintext, bool pairwise) {
    using namespace tidings::crypto;
    auto body = tidings::client::e2e::parseBody(plaintext);
    expectTyped(body);
    if (!body)
        return;
    if (pairwise && !body->sender_key_distribution().empty()) {
        const std::string &d = body->sender_key_distribution();
        auto dist = SenderKeyDistribution::parse(BytesView(d.data(), d.size()));
        expectTyped(dist);
        if (dist) {
            auto rx = SenderKeyReceiver::fromDistribution(*dist);
            expectTyped(rx);
            if (rx && (rx->distId() != dist->distId || rx->groupId() != dist->groupId))
                fail("a receiver for another distribution");
        }
    }
    if (body->has_content()) {
        const auto content = tidings::client::contentFromWire(body->content());
        if (content.attachments.size() + content.invalidAttachments !=
            body->content().attachments_size())
            fail("attachments neither kept nor counted as invalid");
    }
}

void pairwiseBody(const QByteArray &data) {
    World &w = *world;
    auto sender = w.ratchetSender.clone();
    auto ct = must(sender.encrypt(data), "encrypt");
    auto dec = w.ratchetReceiver.decryptOnCopy(ct, 1);
    if (!dec || !dec->plaintext.equals(data.constData(), std::size_t(data.size())))
        fail("a real ratchet message does not decrypt to its plaintext");
    openBody(dec->plaintext, true);
}

void groupBody(const QByteArray &data) {
    World &w = *world;
    auto sender = must(tidings::crypto::SenderKeySender::deserialize(w.senderKeySender), "sks");
    auto ct = must(sender.encrypt(data), "encrypt");
    auto dec = w.senderKeyReceiver.decryptOnCopy(ct, 1);
    if (!dec || !dec->plaintext.equals(data.constData(), std::size_t(data.size())))
        fail("a real sender-key message does not decrypt to its plaintext");
    openBody(dec->plaintext, false);
}
} // namespace

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv) {
    static QCoreApplication app(*argc, *argv);
    google::protobuf::SetLogHandler(nullptr);
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
    switch (bytes[0] % 12) {
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
    case 8:
        headerParsers(data);
        return 0;
    case 9:
        stateParsers(data);
        return 0;
    case 10:
        pairwiseBody(data);
        return 0;
    case 11:
        groupBody(data);
        return 0;
    }
    // The state is intact: the untouched message still decrypts.
    if (!w.alice->decrypt(w.valid, 1, 1))
        fail("a refused input damaged the session state");
    return 0;
}
