#include "core/contacts/contacts.h"

#include "core/account/account.h"
#include "core/logging.h"
#include "core/store/account_store.h"
#include "core/sync/wire_convert.h"
#include "protocol/codec.h"
#include "protocol/limits.h"

namespace tidings::client {

namespace {
wire::ContactRequest::Action wireAction(ContactAction action) {
    using A = wire::ContactRequest;
    switch (action) {
    case ContactAction::Add:
        return A::ACTION_ADD;
    case ContactAction::Remove:
        return A::ACTION_REMOVE;
    case ContactAction::Block:
        return A::ACTION_BLOCK;
    case ContactAction::Unblock:
        return A::ACTION_UNBLOCK;
    }
    return A::ACTION_ADD; // unreachable: every action is listed above
}
} // namespace

Contacts::Contacts(AccountStore *accounts, Requester *requests, Account *account, QObject *parent)
    : QObject(parent)
    , m_accounts(accounts)
    , m_requests(requests)
    , m_account(account) {}

void Contacts::change(ContactAction action, const QString &username, StatusHandler done) {
    Frame f;
    auto *req = f.mutable_contact_request();
    req->set_action(wireAction(action));
    req->set_username(protocol::normalizeUsername(username).toStdString());
    m_requests->callOk(std::move(f), std::move(done));
}

void Contacts::list(ContactsHandler done) {
    Frame f;
    f.mutable_contacts_request();
    m_requests->call<wire::ContactsResponse>(
        std::move(f), Retry::AfterReconnect,
        [done = std::move(done)](Result<wire::ContactsResponse> r) {
            if (!r) {
                done(r.error());
                return;
            }
            ContactsInfo out;
            for (const auto &c : r->contacts())
                out.contacts.append(contactFromWire(c));
            const int v = int(r->last_seen());
            out.lastSeen = v >= 0 && v <= 2 ? Visibility(v) : Visibility::Everyone;
            done(out);
        });
}

void Contacts::setProfile(const QString &displayName, StatusHandler done) {
    const QString name = displayName.trimmed();
    if (name.toUtf8().size() > limits::kMaxDisplayNameBytes) {
        done(Error{ErrorCode::TooLarge, QStringLiteral("display name longer than 64 bytes")});
        return;
    }
    Frame f;
    f.mutable_set_profile_request()->set_display_name(name.toStdString());
    m_requests->callOk(std::move(f), [this, name, done](Status s) {
        if (s)
            m_account->setDisplayName(name);
        done(s);
    });
}

void Contacts::profiles(const QStringList &usernames, ProfilesHandler done) {
    Frame f;
    for (const QString &u : usernames)
        f.mutable_profiles_request()->add_usernames(protocol::normalizeUsername(u).toStdString());
    m_requests->call<wire::ProfilesResponse>(
        std::move(f), Retry::AfterReconnect, [this, done](Result<wire::ProfilesResponse> r) {
            if (!r) {
                done(r.error());
                return;
            }
            QList<ProfileInfo> out;
            for (const auto &p : r->profiles()) {
                ProfileInfo info{p.user_id(), protocol::fromStd(p.username()),
                                 protocol::fromStd(p.display_name())};
                if (auto s = m_accounts->setDisplayName(info.userId, info.displayName); !s)
                    qCWarning(lcClient) << "display name not stored:" << s.error().toString();
                out.append(info);
            }
            done(out);
        });
}

} // namespace tidings::client
