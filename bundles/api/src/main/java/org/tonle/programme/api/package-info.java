/**
 * The programme API: the only package a programme bundle sees.
 *
 * <p>A programme is mostly its YAML declaration (the {@code Tonle-Programme} manifest header);
 * this package is for the rest: records a bundle publishes from its own intake
 * ({@link org.tonle.programme.api.RecordPublisher}) and extra checks a bundle adds to the
 * declared rules ({@link org.tonle.programme.api.RecordCheck}).
 *
 * <p>1.1.0 added {@link org.tonle.programme.api.IntakeTranslator} (a new type, so a minor
 * version: bundles built against 1.0 resolve unchanged).
 *
 * <p>Semantic versioning: a new method on a {@code @ProviderType} interface is a minor
 * change; any change to a {@code @ConsumerType} interface is a major one.
 */
@Export
@Version("1.1.0")
package org.tonle.programme.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
