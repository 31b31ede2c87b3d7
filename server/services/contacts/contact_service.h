#pragma once
// The logic of contacts and blocks: who may be named, and telling presence that what the caller
// shows may have changed.
#include "services/contacts/contact_store.h"
#include "services/contacts/contacts.h"

#include <functional>

namespace tidings::server {

class ContactService final : public Contacts {
public:
    //! `visibilityChanged(userId)`: contacts and blocks decide who sees that user's presence.
    ContactService(ContactStore &store, std::function<void(quint64 userId)> visibilityChanged);

    void change(const Caller &caller, ContactAction action, const QString &username,
                StatusReply reply) override;
    void list(const Caller &caller, Reply<ContactList> reply) override;

private:
    ContactStore &m_store;
    std::function<void(quint64)> m_visibilityChanged;
};

} // namespace tidings::server
