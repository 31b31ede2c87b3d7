// Safety numbers (shared/crypto/safety_number): Signal's published fingerprint vector (display
// and the scannable fingerprints), identical on both sides, changes when either key or id
// changes; the QR payload verifies crosswise and rejects any other key.
#include "test_helpers.h"

#include "crypto/safety_number.h"

#include <QTest>

using namespace tidings;
using namespace tidings::crypto;
using namespace tidings::crypto::testing;

namespace {
// libsignal rust/protocol/src/fingerprint.rs tests (= Java NumericFingerprintGeneratorTest V1).
const QByteArray kAlice = hex("0506863bc66d02b40d27b8d49ca7c09e9239236f9d7d25d6fcca5ce13c7064d868");
const QByteArray kBob = hex("05f781b6fb32fed9ba1cf2de978d4d5da28dc34046ae814402b5c0dbd96fda907b");
const QByteArray kAliceId("+14152222222");
const QByteArray kBobId("+14153333333");
} // namespace

class TestCryptoSafetyNumber : public QObject {
    Q_OBJECT
private slots:
    void signalVector();
    void identicalOnBothSides();
    void changesWhenEitherKeyChanges();
    void qrPayload();
    void formatting();
};

void TestCryptoSafetyNumber::signalVector() {
    const QString expected =
        QStringLiteral("300354477692869396892869876765458257569162576843440918079131");
    QCOMPARE(safetyNumber(kAliceId, kAlice, kBobId, kBob), expected);
    QCOMPARE(safetyNumber(kBobId, kBob, kAliceId, kAlice), expected);
    // The scannable (v1) fingerprints are the first 32 bytes of each final hash.
    QCOMPARE(fingerprintHash(kAliceId, kAlice).left(32).toHex(),
             QByteArray("1e301a0353dce3dbe7684cb8336e85136cdc0ee96219494ada305d62a7bd61df"));
    QCOMPARE(fingerprintHash(kBobId, kBob).left(32).toHex(),
             QByteArray("d62cbf73a11592015b6b9f1682ac306fea3aaf3885b84d12bca631e9d4fb3a4d"));
    // One iteration fewer (an off-by-one in "5,200 in total") breaks the vector.
    QVERIFY(safetyNumber(kAliceId, kAlice, kBobId, kBob, kFingerprintIterations - 1) != expected);
}

void TestCryptoSafetyNumber::identicalOnBothSides() {
    for (int i = 0; i < 5; ++i) {
        const QByteArray a = Ed25519KeyPair::generate().publicKey;
        const QByteArray b = Ed25519KeyPair::generate().publicKey;
        const QString mine = safetyNumber(safetyStableId(1), a, safetyStableId(2), b);
        QCOMPARE(mine.size(), 60);
        QCOMPARE(mine, safetyNumber(safetyStableId(2), b, safetyStableId(1), a));
        for (QChar c : mine)
            QVERIFY(c.isDigit());
    }
}

void TestCryptoSafetyNumber::changesWhenEitherKeyChanges() {
    const QByteArray a = Ed25519KeyPair::generate().publicKey;
    const QByteArray b = Ed25519KeyPair::generate().publicKey;
    const QString base = safetyNumber("1", a, "2", b);
    QVERIFY(safetyNumber("1", Ed25519KeyPair::generate().publicKey, "2", b) != base);
    QVERIFY(safetyNumber("1", a, "2", Ed25519KeyPair::generate().publicKey) != base);
    QVERIFY(safetyNumber("1", a, "2", flipBit(b, 0)) != base);
    QVERIFY(safetyNumber("3", a, "2", b) != base);
}

void TestCryptoSafetyNumber::qrPayload() {
    const QByteArray a = Ed25519KeyPair::generate().publicKey;
    const QByteArray b = Ed25519KeyPair::generate().publicKey;
    const QByteArray shownByBob = safetyQrPayload("2", b, "1", a);
    QCOMPARE(shownByBob.size(), 65);
    QVERIFY(verifySafetyQr(shownByBob, "1", a, "2", b).ok());
    // Alice sees a different key for Bob than Bob really has (MITM): mismatch.
    const QByteArray mitm = Ed25519KeyPair::generate().publicKey;
    QCOMPARE(cryptoErrorOf(verifySafetyQr(shownByBob, "1", a, "2", mitm).error()),
             CryptoError::IdentityMismatch);
    // Scanning your own code is not a verification.
    QVERIFY(!verifySafetyQr(safetyQrPayload("1", a, "2", b), "1", a, "2", b).ok());
    for (qsizetype bit = 0; bit < shownByBob.size() * 8; ++bit)
        QVERIFY(!verifySafetyQr(flipBit(shownByBob, bit), "1", a, "2", b).ok());
    QCOMPARE(cryptoErrorOf(verifySafetyQr(shownByBob.left(64), "1", a, "2", b).error()),
             CryptoError::Malformed);
}

void TestCryptoSafetyNumber::formatting() {
    const QString f = formatSafetyNumber(
        QStringLiteral("300354477692869396892869876765458257569162576843440918079131"));
    QCOMPARE(f, QStringLiteral(
                    "30035 44776 92869 39689 28698 76765 45825 75691 62576 84344 09180 79131"));
}

QTEST_GUILESS_MAIN(TestCryptoSafetyNumber)
#include "test_crypto_safety_number.moc"
