// Signed device lists and identity pinning (shared/crypto/device_list): round trip; unsigned,
// wrongly signed, tampered, other-user and rolled-back lists rejected; a ghost device added by
// the server rejected; an account-key change detected. Format 2 (a recovery key committed in the
// list) round-trips; a list without one keeps format 1's exact bytes; an all-zero key is refused.
#include "test_helpers.h"

#include "crypto/device_list.h"

#include <QTest>

using namespace tidings;
using namespace tidings::crypto;
using namespace tidings::crypto::testing;

namespace {

DeviceEntry entryFor(const DeviceKeys &d) {
    return {d.deviceId, d.dsk.publicKey, d.dik.publicKey};
}

DeviceList listOf(quint64 version, const QList<DeviceKeys *> &devices) {
    DeviceList l;
    l.userId = 7;
    l.version = version;
    l.issuedAtMs = 1'800'000'000'000 + qint64(version);
    for (DeviceKeys *d : devices)
        l.devices.append(entryFor(*d));
    return l;
}

} // namespace

class TestCryptoDeviceList : public QObject {
    Q_OBJECT
private slots:
    void signVerifyRoundTrip();
    void unsignedOrWronglySignedRejected();
    void everyFlippedBitRejected();
    void ghostDeviceRejected();
    void rollbackRejected();
    void otherUsersListRejected();
    void canonicalEncoding();
    void identityChangeDetected();
    void recoveryKeyRoundTrip();
    void withoutRecoveryKeyFormatOneBytesUnchanged();
    void zeroOrMisSizedRecoveryKeyRefused();
};

void TestCryptoDeviceList::signVerifyRoundTrip() {
    const Ed25519KeyPair aik = Ed25519KeyPair::generate();
    DeviceKeys phone = DeviceKeys::generate(7, 2), laptop = DeviceKeys::generate(7, 1);
    const DeviceList l = listOf(3, {&phone, &laptop});
    auto v = verifyDeviceList(signDeviceList(l, aik), aik.publicKey, 7, 0);
    QVERIFY(v.ok());
    QCOMPARE(v->version, 3u);
    QCOMPARE(v->devices.size(), 2);
    QCOMPARE(v->devices.first().deviceId, 1u); // sorted
    QCOMPARE(*v->identity(2), phone.identity());
    QVERIFY(!v->identity(9).has_value());
}

void TestCryptoDeviceList::unsignedOrWronglySignedRejected() {
    const Ed25519KeyPair aik = Ed25519KeyPair::generate(), other = Ed25519KeyPair::generate();
    DeviceKeys d = DeviceKeys::generate(7, 1);
    const DeviceList l = listOf(1, {&d});
    // Unsigned: the body alone, or with an all-zero signature.
    QByteArray unsignedBlob;
    appendBlob(unsignedBlob, l.encodeBody());
    QCOMPARE(cryptoErrorOf(verifyDeviceList(unsignedBlob, aik.publicKey, 7, 0).error()),
             CryptoError::Malformed);
    QCOMPARE(cryptoErrorOf(
                 verifyDeviceList(unsignedBlob + QByteArray(64, 0), aik.publicKey, 7, 0).error()),
             CryptoError::BadSignature);
    // Signed by another key (e.g. a device key, or the server's).
    QCOMPARE(cryptoErrorOf(verifyDeviceList(signDeviceList(l, other), aik.publicKey, 7, 0).error()),
             CryptoError::BadSignature);
}

void TestCryptoDeviceList::everyFlippedBitRejected() {
    const Ed25519KeyPair aik = Ed25519KeyPair::generate();
    DeviceKeys a = DeviceKeys::generate(7, 1), b = DeviceKeys::generate(7, 2);
    DeviceList withRsk = listOf(5, {&a, &b});
    withRsk.recoveryKey = Ed25519KeyPair::generate().publicKey;
    for (const QByteArray &blob :
         {signDeviceList(listOf(5, {&a, &b}), aik), signDeviceList(withRsk, aik)}) {
        QVERIFY(verifyDeviceList(blob, aik.publicKey, 7, 0).ok());
        for (qsizetype bit = 0; bit < blob.size() * 8; ++bit)
            QVERIFY2(!verifyDeviceList(flipBit(blob, bit), aik.publicKey, 7, 0).ok(),
                     qPrintable(QString::number(bit)));
        QVERIFY(!verifyDeviceList(blob.left(blob.size() - 1), aik.publicKey, 7, 0).ok());
        QVERIFY(!verifyDeviceList(blob + 'x', aik.publicKey, 7, 0).ok());
    }
}

void TestCryptoDeviceList::ghostDeviceRejected() {
    const Ed25519KeyPair aik = Ed25519KeyPair::generate();
    DeviceKeys a = DeviceKeys::generate(7, 1), ghost = DeviceKeys::generate(7, 99);
    const QByteArray blob = signDeviceList(listOf(5, {&a}), aik);
    // The server splices a device of its own into the signed list.
    auto parsed = DeviceList::decodeBody(ByteReader(blob).getBlob(1 << 16));
    QVERIFY(parsed.ok());
    parsed->devices.append(entryFor(ghost));
    QByteArray spliced;
    appendBlob(spliced, parsed->encodeBody());
    spliced += blob.right(64);
    QCOMPARE(cryptoErrorOf(verifyDeviceList(spliced, aik.publicKey, 7, 0).error()),
             CryptoError::BadSignature);
}

void TestCryptoDeviceList::rollbackRejected() {
    const Ed25519KeyPair aik = Ed25519KeyPair::generate();
    DeviceKeys a = DeviceKeys::generate(7, 1), removed = DeviceKeys::generate(7, 2);
    const QByteArray v4 = signDeviceList(listOf(4, {&a, &removed}), aik);
    const QByteArray v5 = signDeviceList(listOf(5, {&a}), aik); // device 2 removed
    QVERIFY(verifyDeviceList(v5, aik.publicKey, 7, 4).ok());
    QVERIFY(verifyDeviceList(v5, aik.publicKey, 7, 5).ok()); // re-fetch of the same version
    // The server replays the old, validly signed list that still has the removed device.
    auto r = verifyDeviceList(v4, aik.publicKey, 7, 5);
    QVERIFY(!r.ok());
    QCOMPARE(cryptoErrorOf(r.error()), CryptoError::Rollback);
    QCOMPARE(r.error().code, ErrorCode::Forbidden);
}

void TestCryptoDeviceList::otherUsersListRejected() {
    const Ed25519KeyPair aik = Ed25519KeyPair::generate();
    DeviceKeys a = DeviceKeys::generate(7, 1);
    const QByteArray blob = signDeviceList(listOf(1, {&a}), aik);
    QCOMPARE(cryptoErrorOf(verifyDeviceList(blob, aik.publicKey, 8, 0).error()),
             CryptoError::IdentityMismatch);
}

void TestCryptoDeviceList::canonicalEncoding() {
    DeviceKeys a = DeviceKeys::generate(7, 1), b = DeviceKeys::generate(7, 2);
    QCOMPARE(listOf(1, {&a, &b}).encodeBody(), listOf(1, {&b, &a}).encodeBody());
    DeviceList dup = listOf(1, {&a, &a});
    QVERIFY(!DeviceList::decodeBody(dup.encodeBody()).ok());
    const QByteArray body = listOf(1, {&a, &b}).encodeBody();
    QCOMPARE(body.left(4), QByteArray("TDL\x01", 4));
    QCOMPARE(body.size(), 4 + 8 + 8 + 8 + 4 + 2 * (8 + 32 + 32));
    auto back = DeviceList::decodeBody(body);
    QVERIFY(back.ok());
    QCOMPARE(*back, listOf(1, {&a, &b}));
}

void TestCryptoDeviceList::identityChangeDetected() {
    const QByteArray aik = Ed25519KeyPair::generate().publicKey;
    QVERIFY(checkPinnedIdentity(QByteArray(), aik).ok()); // first contact
    QVERIFY(checkPinnedIdentity(aik, aik).ok());
    const QByteArray changed = Ed25519KeyPair::generate().publicKey;
    auto s = checkPinnedIdentity(aik, changed);
    QVERIFY(!s.ok());
    QCOMPARE(cryptoErrorOf(s.error()), CryptoError::IdentityMismatch);
    QVERIFY(!checkPinnedIdentity(aik, flipBit(aik, 0)).ok());
}

void TestCryptoDeviceList::recoveryKeyRoundTrip() {
    const Ed25519KeyPair aik = Ed25519KeyPair::generate();
    DeviceKeys a = DeviceKeys::generate(7, 1), b = DeviceKeys::generate(7, 2);
    DeviceList l = listOf(4, {&b, &a});
    l.recoveryKey = Ed25519KeyPair::generate().publicKey;
    const QByteArray body = l.encodeBody();
    // "TDL" 02 ‖ user ‖ version ‖ issued_at ‖ RSK ‖ n ‖ devices.
    QCOMPARE(body.left(4), QByteArray("TDL\x02", 4));
    QCOMPARE(body.size(), 4 + 8 + 8 + 8 + 32 + 4 + 2 * (8 + 32 + 32));
    QCOMPARE(body.mid(28, 32), l.recoveryKey);
    auto v = verifyDeviceList(signDeviceList(l, aik), aik.publicKey, 7, 4);
    QVERIFY2(v.ok(), qPrintable(v ? QString() : v.error().detail));
    QCOMPARE(v->recoveryKey, l.recoveryKey);
    QCOMPARE(v->devices.first().deviceId, 1u);
    QCOMPARE(v->encodeBody(), body);
    // The same list without the key is another list (format 1), and the signature says which.
    DeviceList without = l;
    without.recoveryKey.clear();
    QVERIFY(without.encodeBody() != body);
    QVERIFY(!(*v == without));
    // Formats beyond 2 stay unknown.
    QByteArray format3 = body;
    format3[3] = 3;
    QCOMPARE(cryptoErrorOf(DeviceList::decodeBody(format3).error()),
             CryptoError::UnsupportedVersion);
}

void TestCryptoDeviceList::withoutRecoveryKeyFormatOneBytesUnchanged() {
    // Fixed keys, so the bytes can be pinned: the format older clients read must not move.
    DeviceList l;
    l.userId = 7;
    l.version = 5;
    l.issuedAtMs = 1'800'000'000'000;
    l.devices = {{3, QByteArray(32, '\x33'), QByteArray(32, '\x44')},
                 {1, QByteArray(32, '\x11'), QByteArray(32, '\x22')}};
    const QByteArray expected =
        hex("54444c01"         // "TDL" 01
            "0000000000000007" // user
            "0000000000000005" // version
            "000001a3185c5000" // issued_at_ms
            "00000002"         // n
            "0000000000000001" // device 1
            "1111111111111111111111111111111111111111111111111111111111111111"
            "2222222222222222222222222222222222222222222222222222222222222222"
            "0000000000000003" // device 3
            "3333333333333333333333333333333333333333333333333333333333333333"
            "4444444444444444444444444444444444444444444444444444444444444444");
    QCOMPARE(l.encodeBody().toHex(), expected.toHex());
    auto back = DeviceList::decodeBody(expected);
    QVERIFY(back.ok());
    QVERIFY(back->recoveryKey.isEmpty());
    QCOMPARE(back->encodeBody(), expected);
}

void TestCryptoDeviceList::zeroOrMisSizedRecoveryKeyRefused() {
    const Ed25519KeyPair aik = Ed25519KeyPair::generate();
    DeviceKeys a = DeviceKeys::generate(7, 1);
    DeviceList l = listOf(2, {&a});
    // All zeros would be a second spelling of "no key": refused to decode, sign or verify.
    l.recoveryKey = QByteArray(32, '\0');
    const QByteArray body = l.encodeBody();
    QCOMPARE(body.left(4), QByteArray("TDL\x02", 4));
    QCOMPARE(cryptoErrorOf(DeviceList::decodeBody(body).error()), CryptoError::Malformed);
    QVERIFY(signDeviceList(l, aik).isEmpty());
    QByteArray blob;
    appendBlob(blob, body);
    blob += ed25519Sign(aik.secretKey, QByteArray("TidingsDeviceListv1") + body);
    QCOMPARE(cryptoErrorOf(verifyDeviceList(blob, aik.publicKey, 7, 0).error()),
             CryptoError::Malformed);
    // A key of another size cannot be read back.
    for (int size : {1, 31, 33}) {
        l.recoveryKey = QByteArray(size, '\x05');
        QVERIFY(signDeviceList(l, aik).isEmpty());
    }
    // Format 2 cut inside the key.
    l.recoveryKey = QByteArray(32, '\x05');
    QCOMPARE(cryptoErrorOf(DeviceList::decodeBody(l.encodeBody().left(40)).error()),
             CryptoError::Malformed);
}

QTEST_GUILESS_MAIN(TestCryptoDeviceList)
#include "test_crypto_device_list.moc"
