// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "gate.h"

enum wbw_gate_reason wbw_gate_judge(const uint64_t n[WBW_V_KIND_MAX], enum wbw_fail_on on)
{
	bool unreported_class = on == WBW_FAIL_ANY || on == WBW_FAIL_UNREPORTED;
	bool unseen_class = on == WBW_FAIL_ANY || on == WBW_FAIL_UNSEEN;
	bool loss = (unreported_class && n[WBW_V_UNREPORTED]) ||
		    (unseen_class && (n[WBW_V_UNSEEN] || n[WBW_V_SUPERSEDED]));

	if (unreported_class && n[WBW_V_RETRIED])
		return WBW_GATE_RETRIED;
	if (!loss)
		return WBW_GATE_CLEAN;
	return n[WBW_V_REPORTED] ? WBW_GATE_TOLD : WBW_GATE_LOSS;
}
