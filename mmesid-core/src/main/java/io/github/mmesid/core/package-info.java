/**
 * The public API of the MME-SID SDK: recommenders, quantizers, semantic-ID codecs and the value
 * types they exchange.
 */
package io.github.mmesid.core;
