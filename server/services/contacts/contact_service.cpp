#include "services/contacts/contact_service.h"

#include "protocol/codec.h"
#include "services/common/errors.h"

namespace tidings::server {

ContactService::ContactService(ContactStore &store,
                               std::function<void(quint64 userId)> visibilityChanged)
    : m_store(store)
    , m_visibilityChanged(std::move(visibilityChanged)) {}

void ContactService::change(const Caller &caller, ContactAction action, const QString &username,
                            StatusReply reply) {
    const quint64 me = caller.userId;
    m_store.findUser(protocol::normalizeUsername(username), [this, me, action, reply](
                                                                Result<std::optional<quint64>> r) {
        if (!r)
            return reply(r.error());
        if (!*r)
            return reply(noSuchUserError());
        const quint64 other = **r;
        if (other == me)
            return reply(Error{ErrorCode::Forbidden, QStringLiteral("not for your own account")});
        m_store.apply(me, action, other, [this, me, reply](Status s) {
            if (!s)
                return reply(s);
            reply(Status{});
            // Who may see my presence may have changed.
            if (m_visibilityChanged)
                m_visibilityChanged(me);
        });
    });
}

void ContactService::list(const Caller &caller, Reply<ContactList> reply) {
    m_store.list(caller.userId, std::move(reply));
}

} // namespace tidings::server
