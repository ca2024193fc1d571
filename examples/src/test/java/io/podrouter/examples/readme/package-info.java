/** README's Java snippets as compiled code, and the test that README copies them verbatim. */
package io.podrouter.examples.readme;
