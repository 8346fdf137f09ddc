/**
 * The {@code mmesid} command-line tool and small runnable examples built on the SDK.
 */
package io.github.mmesid.examples;
