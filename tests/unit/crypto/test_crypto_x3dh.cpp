// X3DH and session setup (shared/crypto/x3dh, session): Signal's published X3DH vectors run with
// Signal's info string through our KDF; agreement with and without a one-time prekey; bad SPK
// signature and bad DSK/DIK/AIK binding rejected; the OPK deleted after use; a replayed first
// message rejected; tampered first messages and low-order ephemeral keys rejected without
// consuming anything; SPK rotation and the 30-day deletion.
#include "test_helpers.h"

#include "crypto/session.h"

#include <QTest>

using namespace tidings;
using namespace tidings::crypto;
using namespace tidings::crypto::testing;

namespace {

constexpr qint64 kNow = 1'800'000'000;

struct Party {
    Ed25519KeyPair aik = Ed25519KeyPair::generate();
    DeviceKeys device;
    PreKeyStore store;
    Party(quint64 user, quint64 dev)
        : device(DeviceKeys::generate(user, dev)) {
        store.rotateSignedPreKey(device.dsk, kNow);
        store.generateOneTimePreKeys(5);
    }
    //! What the server would hand out: the public bundle plus one OPK (or none).
    PreKeyBundle bundle(std::optional<quint32> opkId) const {
        PreKeyBundle b = store.publicBundle(device, aik.publicKey);
        if (opkId) {
            b.opkId = opkId;
            b.opk = store.oneTimePreKey(*opkId)->key.publicKey;
        }
        return b;
    }
};

QByteArray text(const SecretBytes &s) {
    return toQByteArray(s);
}

} // namespace

class TestCryptoX3dh : public QObject {
    Q_OBJECT
private slots:
    void signalVectorAsResponder();
    void signalVectorAsInitiator();
    void agreesWithAndWithoutOneTimePreKey();
    void rejectsBadSignedPreKeySignature();
    void rejectsBadBinding();
    void oneTimePreKeyDeletedAfterUse();
    void replayedFirstMessageRejected();
    void tamperedFirstMessageRejectedWithoutConsumingKeys();
    void lowOrderEphemeralRejected();
    void associatedDataBindsBothIdentities();
    void signedPreKeyRotationAndExpiry();
    void storeSerializationRoundTrip();
    void preKeyMessageCodec();
};

// libsignal rust/protocol/tests/ratchet.rs test_ratcheting_session_as_bob (pre-Kyber): Bob's
// first sending chain key is bytes 32..64 of HKDF(0xFF×32 ‖ DH1 ‖ DH2 ‖ DH3, "WhisperText").
void TestCryptoX3dh::signalVectorAsResponder() {
    const SecretBytes bobIdentity =
        secretHex("4875cc69ddf8ea0719ec947d61081135868d5fd801f02c0225e516df2156605e");
    const SecretBytes bobSpk =
        secretHex("583900131fb727998b7803fe6ac22cc591f342e4e42a8c8d5d78194209b8d253");
    const QByteArray aliceIdentity =
        signalPublic("05b4a8455660ada65b401007f615e654041746432e3339c6875149bceefcb42b4a");
    const QByteArray aliceBase =
        signalPublic("05472d1fb1a9862c3af6beaca8920277e2b26f4a79213ec7c906aeb35e03cf8950");
    // Key pairs in the vector are consistent with libsodium's clamping:
    QCOMPARE(X25519KeyPair::fromSecret(bobIdentity.clone())->publicKey,
             signalPublic("05f1f43874f6966956c2dd473f8fa15adeb71d1cb991b2341692324cefb1c5e626"));
    QCOMPARE(X25519KeyPair::fromSecret(bobSpk.clone())->publicKey,
             signalPublic("05ac248a8f263be6863576eb0362e28c828f0107a3379d34bab1586bf8c770cd67"));
    auto derived = x3dhSecretResponder(bobIdentity, bobSpk, nullptr, aliceIdentity, aliceBase,
                                       QByteArray("WhisperText"), 64);
    QVERIFY(derived.ok());
    QCOMPARE(toHex(*derived).mid(64),
             QByteArray("9797caca53c989bbe229a40ca7727010eb2604fc14945d77958a0aeda088b44d"));
    // With our info string the same inputs give something else: the strings separate domains.
    auto ours = x3dhSecretResponder(bobIdentity, bobSpk, nullptr, aliceIdentity, aliceBase,
                                    QByteArray(kX3dhInfo), 64);
    QVERIFY(toHex(*ours) != toHex(*derived));
}

// Same file, test_ratcheting_session_as_alice: Alice's receiving chain for Bob's ratchet key.
void TestCryptoX3dh::signalVectorAsInitiator() {
    auto derived = x3dhSecretInitiator(
        secretHex("9040f0d4e09cf38f6dc7c13779c908c015a1da4fa78737a080eb0a6f4f5f8f58"),
        secretHex("11ae7c64d1e61cd596b76a0db5012673391cae66edbfcf073b4da80516a47449"),
        signalPublic("05f1f43874f6966956c2dd473f8fa15adeb71d1cb991b2341692324cefb1c5e626"),
        signalPublic("05ac248a8f263be6863576eb0362e28c828f0107a3379d34bab1586bf8c770cd67"),
        QByteArray(), QByteArray("WhisperText"), 64);
    QVERIFY(derived.ok());
    QCOMPARE(toHex(*derived).mid(64),
             QByteArray("ab9be50e5cb22a925446ab90ee5670545f4fd32902459ec274b6ad0ae5d6031a"));
}

void TestCryptoX3dh::agreesWithAndWithoutOneTimePreKey() {
    for (bool withOpk : {true, false}) {
        Party alice(1, 11), bob(2, 21);
        const PreKeyBundle b = bob.bundle(withOpk ? std::optional<quint32>(3) : std::nullopt);
        auto init = x3dhInitiate(alice.device, b, bob.aik.publicKey);
        QVERIFY(init.ok());
        QCOMPARE(init->opkId.has_value(), withOpk);
        auto resp = x3dhRespond(bob.device, *bob.store.signedPreKey(b.spkId),
                                withOpk ? bob.store.oneTimePreKey(3) : nullptr,
                                alice.device.identity(), init->ephemeralPublic);
        QVERIFY(resp.ok());
        QVERIFY(init->sharedKey.equals(resp->sharedKey));
        QCOMPARE(init->associatedData, resp->associatedData);
        // A different OPK (or none instead of one) gives a different key: DH4 is really mixed in.
        auto wrong = x3dhRespond(bob.device, *bob.store.signedPreKey(b.spkId),
                                 withOpk ? nullptr : bob.store.oneTimePreKey(1),
                                 alice.device.identity(), init->ephemeralPublic);
        QVERIFY(!init->sharedKey.equals(wrong->sharedKey));

        // And whole sessions talk both ways.
        auto out = startSession(alice.device, b, bob.aik.publicKey, QByteArray("hi bob"));
        QVERIFY(out.ok());
        auto in = acceptPreKeyMessage(bob.device, bob.store, out->preKeyMessage, kNow);
        QVERIFY2(in.ok(), in.ok() ? "" : qPrintable(in.error().detail));
        QCOMPARE(text(in->plaintext), QByteArray("hi bob"));
        QCOMPARE(in->initiator, alice.device.identity());
        auto reply = in->session.encrypt(QByteArray("hi alice"));
        QCOMPARE(text(*out->session.decrypt(*reply, kNow)), QByteArray("hi alice"));
    }
}

void TestCryptoX3dh::rejectsBadSignedPreKeySignature() {
    Party alice(1, 11), bob(2, 21);
    PreKeyBundle b = bob.bundle(1);
    QVERIFY(verifyBundle(b, bob.aik.publicKey).ok());
    for (qsizetype bit : {0, 100, 511}) {
        PreKeyBundle bad = b;
        bad.spkSignature = flipBit(b.spkSignature, bit);
        auto r = x3dhInitiate(alice.device, bad, bob.aik.publicKey);
        QVERIFY(!r.ok());
        QCOMPARE(cryptoErrorOf(r.error()), CryptoError::BadSignature);
    }
    PreKeyBundle swapped = b; // a server substituting its own SPK
    swapped.spk = X25519KeyPair::generate().publicKey;
    QCOMPARE(cryptoErrorOf(x3dhInitiate(alice.device, swapped, bob.aik.publicKey).error()),
             CryptoError::BadSignature);
    PreKeyBundle renumbered = b; // the id is signed too
    renumbered.spkId += 1;
    QVERIFY(!x3dhInitiate(alice.device, renumbered, bob.aik.publicKey).ok());
}

void TestCryptoX3dh::rejectsBadBinding() {
    Party alice(1, 11), bob(2, 21), mallory(3, 31);
    const PreKeyBundle b = bob.bundle(std::nullopt);
    // Bound to Bob's AIK: the same bundle under another account key fails.
    QCOMPARE(cryptoErrorOf(x3dhInitiate(alice.device, b, mallory.aik.publicKey).error()),
             CryptoError::BadSignature);
    PreKeyBundle otherDik = b; // DIK swapped: the DH key is bound to the signing key
    otherDik.identity.dik = mallory.device.dik.publicKey;
    QVERIFY(!x3dhInitiate(alice.device, otherDik, bob.aik.publicKey).ok());
    PreKeyBundle otherDevice = b; // binding names the device id
    otherDevice.identity.deviceId = 22;
    QVERIFY(!x3dhInitiate(alice.device, otherDevice, bob.aik.publicKey).ok());
    PreKeyBundle flipped = b;
    flipped.bindingSignature = flipBit(b.bindingSignature, 7);
    QVERIFY(!x3dhInitiate(alice.device, flipped, bob.aik.publicKey).ok());
}

void TestCryptoX3dh::oneTimePreKeyDeletedAfterUse() {
    Party alice(1, 11), bob(2, 21);
    QCOMPARE(bob.store.oneTimePreKeyCount(), 5);
    auto out = startSession(alice.device, bob.bundle(2), bob.aik.publicKey, QByteArray("m"));
    const SecretBytes opkSecret = bob.store.oneTimePreKey(2)->key.secretKey.clone();
    QVERIFY(containsBytes(bob.store.serialize(), opkSecret)); // the probe finds it while held
    QVERIFY(acceptPreKeyMessage(bob.device, bob.store, out->preKeyMessage, kNow).ok());
    QVERIFY(bob.store.oneTimePreKey(2) == nullptr);
    QCOMPARE(bob.store.oneTimePreKeyCount(), 4);
    QVERIFY(!containsBytes(bob.store.serialize(), opkSecret)); // gone from what gets persisted
    // A second initiator handed the same OPK (a misbehaving server) is refused.
    Party carol(4, 41);
    auto out2 = startSession(carol.device, bob.bundle(3), bob.aik.publicKey, QByteArray("x"));
    auto msg = PreKeyMessage::decode(out2->preKeyMessage);
    msg->opkId = 2;
    auto r = acceptPreKeyMessage(bob.device, bob.store, msg->encode(), kNow);
    QCOMPARE(cryptoErrorOf(r.error()), CryptoError::MissingPreKey);
}

void TestCryptoX3dh::replayedFirstMessageRejected() {
    for (bool withOpk : {true, false}) {
        Party alice(1, 11), bob(2, 21);
        auto out = startSession(alice.device,
                                bob.bundle(withOpk ? std::optional<quint32>(1) : std::nullopt),
                                bob.aik.publicKey, QByteArray("once"));
        QVERIFY(acceptPreKeyMessage(bob.device, bob.store, out->preKeyMessage, kNow).ok());
        auto again = acceptPreKeyMessage(bob.device, bob.store, out->preKeyMessage, kNow);
        QVERIFY(!again.ok());
        QCOMPARE(cryptoErrorOf(again.error()), CryptoError::Replay);
        // X25519 ignores EK's top bit: the same EK re-encoded must not pass as a new one.
        auto reencoded = PreKeyMessage::decode(out->preKeyMessage);
        QVERIFY(reencoded.ok());
        reencoded->ephemeral[31] = char(reencoded->ephemeral[31] | 0x80);
        QVERIFY(!acceptPreKeyMessage(bob.device, bob.store, reencoded->encode(), kNow).ok());
        // Survives persistence.
        auto reloaded = PreKeyStore::deserialize(bob.store.serialize());
        QVERIFY(reloaded.ok());
        QCOMPARE(cryptoErrorOf(
                     acceptPreKeyMessage(bob.device, *reloaded, out->preKeyMessage, kNow).error()),
                 CryptoError::Replay);
    }
}

void TestCryptoX3dh::tamperedFirstMessageRejectedWithoutConsumingKeys() {
    Party alice(1, 11), bob(2, 21);
    auto out = startSession(alice.device, bob.bundle(4), bob.aik.publicKey, QByteArray("x"));
    const QByteArray good = out->preKeyMessage;
    const SecretBytes before = bob.store.serialize();
    // Every bit except the version byte's (UnsupportedVersion) and the length prefix's (Malformed)
    // ends in a rejection; the store is unchanged each time.
    for (qsizetype bit = 0; bit < good.size() * 8; ++bit) {
        auto r = acceptPreKeyMessage(bob.device, bob.store, flipBit(good, bit), kNow);
        QVERIFY2(!r.ok(), qPrintable(QString::number(bit)));
    }
    QVERIFY(bob.store.serialize().equals(before));
    QVERIFY(acceptPreKeyMessage(bob.device, bob.store, good, kNow).ok());
}

void TestCryptoX3dh::lowOrderEphemeralRejected() {
    Party alice(1, 11), bob(2, 21);
    auto out =
        startSession(alice.device, bob.bundle(std::nullopt), bob.aik.publicKey, QByteArray("x"));
    auto msg = PreKeyMessage::decode(out->preKeyMessage);
    msg->ephemeral = QByteArray(32, 0);
    auto r = acceptPreKeyMessage(bob.device, bob.store, msg->encode(), kNow);
    QCOMPARE(cryptoErrorOf(r.error()), CryptoError::LowOrderPoint);
}

void TestCryptoX3dh::associatedDataBindsBothIdentities() {
    Party alice(1, 11), bob(2, 21), mallory(3, 31);
    auto out = startSession(alice.device, bob.bundle(1), bob.aik.publicKey, QByteArray("x"));
    // An attacker relabels the first message as coming from another user/device with the same
    // keys (unknown-key share): AD differs, so the AEAD fails.
    auto msg = PreKeyMessage::decode(out->preKeyMessage);
    msg->initiator.userId = 3;
    QCOMPARE(cryptoErrorOf(acceptPreKeyMessage(bob.device, bob.store, msg->encode(), kNow).error()),
             CryptoError::DecryptFailed);
    msg = PreKeyMessage::decode(out->preKeyMessage);
    msg->initiator.dsk = mallory.device.dsk.publicKey;
    QVERIFY(!acceptPreKeyMessage(bob.device, bob.store, msg->encode(), kNow).ok());
    const QByteArray ad = associatedData(alice.device.identity(), bob.device.identity());
    QVERIFY(ad.startsWith(kAdPrefix));
    QVERIFY(ad != associatedData(bob.device.identity(), alice.device.identity()));
    QVERIFY(ad.contains(alice.device.dsk.publicKey) && ad.contains(bob.device.dik.publicKey));
}

void TestCryptoX3dh::signedPreKeyRotationAndExpiry() {
    Party alice(1, 11), bob(2, 21);
    const quint32 oldId = bob.store.currentSignedPreKey()->id;
    auto out =
        startSession(alice.device, bob.bundle(std::nullopt), bob.aik.publicKey, QByteArray("late"));
    QVERIFY(!bob.store.needsRotation(kNow + 3600));
    QVERIFY(bob.store.needsRotation(kNow + PreKeyStore::kSpkRotationSecs));
    const qint64 rotatedAt = kNow + PreKeyStore::kSpkRotationSecs;
    bob.store.rotateSignedPreKey(bob.device.dsk, rotatedAt);
    QVERIFY(bob.store.currentSignedPreKey()->id != oldId);
    bob.store.expire(rotatedAt + PreKeyStore::kSpkRetentionSecs); // still within 30 days
    QVERIFY(bob.store.signedPreKey(oldId) != nullptr);
    {
        PreKeyStore copy = bob.store.clone();
        QVERIFY(acceptPreKeyMessage(bob.device, copy, out->preKeyMessage, rotatedAt).ok());
    }
    bob.store.expire(rotatedAt + PreKeyStore::kSpkRetentionSecs + 1);
    QVERIFY(bob.store.signedPreKey(oldId) == nullptr);
    QCOMPARE(cryptoErrorOf(acceptPreKeyMessage(bob.device, bob.store, out->preKeyMessage,
                                               rotatedAt + PreKeyStore::kSpkRetentionSecs + 1)
                               .error()),
             CryptoError::MissingPreKey);
}

void TestCryptoX3dh::storeSerializationRoundTrip() {
    Party bob(2, 21);
    auto loaded = PreKeyStore::deserialize(bob.store.serialize());
    QVERIFY(loaded.ok());
    QVERIFY(loaded->serialize().equals(bob.store.serialize()));
    QCOMPARE(loaded->oneTimePreKeyCount(), 5);
    const SecretBytes blob = bob.store.serialize();
    QVERIFY(!PreKeyStore::deserialize(BytesView(blob.data(), blob.size() - 1)).ok());
    QVERIFY(!PreKeyStore::deserialize(QByteArray("junk")).ok());
}

void TestCryptoX3dh::preKeyMessageCodec() {
    PreKeyMessage m;
    m.initiator = {7, 8, QByteArray(32, 'a'), QByteArray(32, 'b')};
    m.spkId = 9;
    m.opkId = 10;
    m.ephemeral = QByteArray(32, 'c');
    m.ratchetMessage = QByteArray(100, 'd');
    const QByteArray enc = m.encode();
    auto back = PreKeyMessage::decode(enc);
    QVERIFY(back.ok());
    QCOMPARE(back->initiator, m.initiator);
    QCOMPARE(*back->opkId, 10u);
    QCOMPARE(back->ratchetMessage, m.ratchetMessage);
    for (qsizetype n = 0; n < enc.size(); ++n)
        QVERIFY(!PreKeyMessage::decode(enc.left(n)).ok());
    QVERIFY(!PreKeyMessage::decode(enc + 'x').ok());
    QByteArray v2 = enc;
    v2[0] = 2;
    QCOMPARE(cryptoErrorOf(PreKeyMessage::decode(v2).error()), CryptoError::UnsupportedVersion);
}

QTEST_GUILESS_MAIN(TestCryptoX3dh)
#include "test_crypto_x3dh.moc"
