#include "ct.h"

const struct ct_case ct_cases_mmsg[] = {
	{ 0 },
};
