#include "e2e_keys.h"

#include <QDateTime>
#include <QtEndian>

#include <algorithm>

namespace tidings::test {

TestDevice::TestDevice(quint64 userId, quint64 deviceId)
    : keys(crypto::DeviceKeys::generate(userId, deviceId)) {}

protocol::Frame TestDevice::upload(const QByteArray &aikPublic, int opks, bool withSpk) {
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    if (!store.currentSignedPreKey())
        store.rotateSignedPreKey(keys.dsk, now);
    protocol::Frame f;
    auto *u = f.mutable_upload_keys_request();
    u->set_signing_key(keys.dsk.publicKey.toStdString());
    u->set_identity_key(keys.dik.publicKey.toStdString());
    u->set_account_key(aikPublic.toStdString());
    u->set_binding_signature(crypto::signBinding(keys, aikPublic).toStdString());
    if (withSpk) {
        const auto *spk = store.currentSignedPreKey();
        u->mutable_signed_prekey()->set_key_id(spk->id);
        u->mutable_signed_prekey()->set_public_key(spk->key.publicKey.toStdString());
        u->mutable_signed_prekey()->set_signature(spk->signature.toStdString());
    }
    if (opks > 0)
        for (const auto &[id, pub] : store.generateOneTimePreKeys(opks)) {
            auto *k = u->add_one_time_prekeys();
            k->set_key_id(id);
            k->set_public_key(pub.toStdString());
        }
    return f;
}

protocol::Frame publishList(const crypto::Ed25519KeyPair &aik, quint64 userId, quint64 version,
                            const QList<crypto::DeviceIdentity> &devices) {
    crypto::DeviceList list;
    list.userId = userId;
    list.version = version;
    list.issuedAtMs = QDateTime::currentMSecsSinceEpoch();
    for (const auto &d : devices)
        list.devices.append({d.deviceId, d.dsk, d.dik});
    std::sort(list.devices.begin(), list.devices.end(),
              [](const auto &a, const auto &b) { return a.deviceId < b.deviceId; });
    protocol::Frame f;
    auto *p = f.mutable_publish_device_list_request();
    p->set_signed_list(crypto::signDeviceList(list, aik).toStdString());
    p->set_account_key(aik.publicKey.toStdString());
    return f;
}

crypto::PreKeyBundle bundleFromWire(const wire::DeviceBundle &b) {
    crypto::PreKeyBundle out;
    out.identity = {b.user_id(), b.device_id(), QByteArray::fromStdString(b.signing_key()),
                    QByteArray::fromStdString(b.identity_key())};
    out.bindingSignature = QByteArray::fromStdString(b.binding_signature());
    out.spkId = b.signed_prekey().key_id();
    out.spk = QByteArray::fromStdString(b.signed_prekey().public_key());
    out.spkSignature = QByteArray::fromStdString(b.signed_prekey().signature());
    if (b.has_one_time_prekey()) {
        out.opkId = b.one_time_prekey().key_id();
        out.opk = QByteArray::fromStdString(b.one_time_prekey().public_key());
    }
    return out;
}

QByteArray deviceDigest(QList<std::pair<quint64, quint64>> devices) {
    std::sort(devices.begin(), devices.end());
    QByteArray data;
    for (const auto &[user, device] : devices) {
        char buf[16];
        qToBigEndian<quint64>(user, buf);
        qToBigEndian<quint64>(device, buf + 8);
        data.append(buf, 16);
    }
    // Computed independently of the server (crypto's SHA-256, not QCryptographicHash).
    return crypto::sha256(data);
}

} // namespace tidings::test
