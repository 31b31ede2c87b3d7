// tidings-crypto-bench: throughput of the E2E crypto library (shared/crypto). Not a test; prints
// figures for docs/PERFORMANCE.md. Usage: tidings-crypto-bench [iterations, default 2000]
#include "crypto/ratchet.h"
#include "crypto/safety_number.h"
#include "crypto/sender_keys.h"
#include "crypto/session.h"

#include <QCoreApplication>
#include <QElapsedTimer>

#include <cstdio>

using namespace tidings::crypto;

namespace {

constexpr qint64 kNow = 1'800'000'000;

void report(const char *what, int n, qint64 ns, qint64 bytes = 0) {
    const double perOpUs = double(ns) / n / 1000.0;
    std::printf("%-44s %8d ops  %9.2f us/op  %10.0f ops/s", what, n, perOpUs, 1e9 * n / double(ns));
    if (bytes)
        std::printf("  %8.1f MiB/s", double(bytes) / (1024.0 * 1024.0) / (double(ns) / 1e9));
    std::printf("\n");
}

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    const int n = argc > 1 ? std::max(10, atoi(argv[1])) : 2000;
    if (!ensureSodium())
        return 1;
    const QByteArray kib(1024, 'm');
    QElapsedTimer t;

    // X3DH session setup: bundle verification (2 Ed25519 verifies), 4 DH each side, first
    // message encrypt + decrypt.
    const Ed25519KeyPair bobAik = Ed25519KeyPair::generate();
    const DeviceKeys alice = DeviceKeys::generate(1, 1), bob = DeviceKeys::generate(2, 1);
    PreKeyStore store;
    store.rotateSignedPreKey(bob.dsk, kNow);
    const auto opks = store.generateOneTimePreKeys(n);
    const PreKeyBundle base = store.publicBundle(bob, bobAik.publicKey);
    t.start();
    for (int i = 0; i < n; ++i) {
        PreKeyBundle b = base;
        b.opkId = opks[i].first;
        b.opk = opks[i].second;
        auto out = startSession(alice, b, bobAik.publicKey, kib);
        auto in = acceptPreKeyMessage(bob, store, out->preKeyMessage, kNow);
        if (!in.ok())
            return 2;
    }
    report("X3DH session setup (both sides, with OPK)", n, t.nsecsElapsed());

    // 1:1 Double Ratchet, 1 KiB, one direction (chain steps only).
    const SecretBytes sk = SecretBytes::random(32);
    const X25519KeyPair spk = X25519KeyPair::generate();
    RatchetSession a = std::move(*RatchetSession::initInitiator(sk, "AD", spk.publicKey));
    RatchetSession b = std::move(*RatchetSession::initResponder(sk, "AD", spk));
    t.start();
    for (int i = 0; i < n; ++i) {
        auto ct = a.encrypt(kib);
        if (!b.decrypt(*ct, kNow).ok())
            return 3;
    }
    report("1:1 ratchet encrypt+decrypt 1 KiB (chain)", n, t.nsecsElapsed(), qint64(n) * 1024);

    // 1:1 ping-pong: every message is a DH ratchet step (2 X25519 + keygen per side).
    t.start();
    for (int i = 0; i < n; ++i) {
        RatchetSession &from = (i % 2) ? b : a;
        RatchetSession &to = (i % 2) ? a : b;
        auto ct = from.encrypt(kib);
        if (!to.decrypt(*ct, kNow).ok())
            return 4;
    }
    report("1:1 ratchet encrypt+decrypt 1 KiB (DH step)", n, t.nsecsElapsed(), qint64(n) * 1024);

    // Sender Keys: one encrypt (incl. Ed25519 sign) + one decrypt (incl. verify).
    SenderKeySender sender = SenderKeySender::create("group");
    SenderKeyReceiver receiver =
        std::move(*SenderKeyReceiver::fromDistribution(sender.distribution()));
    t.start();
    for (int i = 0; i < n; ++i) {
        auto ct = sender.encrypt(kib);
        if (!receiver.decrypt(*ct, kNow).ok())
            return 5;
    }
    report("Sender Key encrypt+decrypt 1 KiB", n, t.nsecsElapsed(), qint64(n) * 1024);

    // Session state persistence (serialize + deserialize).
    t.start();
    for (int i = 0; i < n; ++i) {
        const SecretBytes blob = a.serialize();
        if (!RatchetSession::deserialize(blob).ok())
            return 6;
    }
    report("ratchet state serialize+deserialize", n, t.nsecsElapsed());

    const int sn = std::max(10, n / 50);
    t.start();
    for (int i = 0; i < sn; ++i)
        safetyNumber("1", bobAik.publicKey, "2", alice.dsk.publicKey);
    report("safety number (2 x 5200 SHA-512)", sn, t.nsecsElapsed());
    return 0;
}
