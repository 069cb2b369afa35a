#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Runner self-test (selftest.sh): fails with exit code 3 after leaving a mark on the console.
echo "selftest-mark: fail.sh ran"
exit 3
