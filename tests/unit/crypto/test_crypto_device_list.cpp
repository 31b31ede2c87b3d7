// Signed device lists and identity pinning (shared/crypto/device_list): round trip; unsigned,
// wrongly signed, tampered, other-user and rolled-back lists rejected; a ghost device added by
// the server rejected; an account-key change detected.
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
    const QByteArray blob = signDeviceList(listOf(5, {&a, &b}), aik);
    for (qsizetype bit = 0; bit < blob.size() * 8; ++bit)
        QVERIFY2(!verifyDeviceList(flipBit(blob, bit), aik.publicKey, 7, 0).ok(),
                 qPrintable(QString::number(bit)));
    QVERIFY(!verifyDeviceList(blob.left(blob.size() - 1), aik.publicKey, 7, 0).ok());
    QVERIFY(!verifyDeviceList(blob + 'x', aik.publicKey, 7, 0).ok());
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

QTEST_GUILESS_MAIN(TestCryptoDeviceList)
#include "test_crypto_device_list.moc"
