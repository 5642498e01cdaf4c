/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "ust-binding.h"
#include "ust-phone.h"

G_BEGIN_DECLS

UstPhone  *ust_phone_new_from_binding (const UstBinding *binding);
GPtrArray *ust_phone_list_new         (GPtrArray        *bindings);

G_END_DECLS
