#pragma once
// Adding a device to an account (the AIK moves from an existing device to the new one): the
// existing device shows a one-use link code and answers the new device's hello with a grant that
// seals the AIK to the new device's identity key; the new device proves knowledge of the code in
// its hello and adopts the AIK from the grant. Codes and links in progress live in memory only.
// The wire format and the reasoning behind it are described in device_linking.cpp.
#include "core/e2e/e2e_types.h"
#include "crypto/secret_bytes.h"

#include <QString>

#include <optional>

namespace tidings::client::e2e {

class Clock;
class OwnKeys;
class DeviceDirectory;

class DeviceLinking {
public:
    //! All three must outlive this object.
    DeviceLinking(OwnKeys &own, DeviceDirectory &devices, const Clock &clock);

    //! See E2eEngine::createLinkCode() and the following.
    Result<QString> createLinkCode(quint64 myDeviceId);
    Result<std::pair<quint64, QByteArray>> linkHello(const QString &code, quint64 myUserId,
                                                     quint64 myDeviceId);
    Result<LinkGrant> answerLinkHello(quint64 fromDevice, const QByteArray &blob);
    Status acceptLinkGrant(const QByteArray &blob);

private:
    OwnKeys &m_own;
    DeviceDirectory &m_devices;
    const Clock &m_clock;

    struct LinkCode {
        crypto::SecretBytes secret;
        qint64 expiresMs = 0;
        bool used = false;
    };
    std::optional<LinkCode> m_linkCode; //!< existing device: the outstanding code
    struct PendingLink {
        crypto::SecretBytes secret;
        quint64 target = 0;
    };
    std::optional<PendingLink> m_pendingLink; //!< new device: waiting for the grant
};

} // namespace tidings::client::e2e
