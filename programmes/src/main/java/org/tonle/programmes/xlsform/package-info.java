/**
 * XLSForm (KoboToolbox, ODK) to programme bundle: {@link org.tonle.programmes.xlsform.XlsFormConverter}
 * reads a form into a declaration and a mapping for its exports, {@link org.tonle.programmes.xlsform.ProgrammeBundle}
 * writes the YAML-only bundle. Used by {@code bin/tonle programme from-xlsform}.
 */
package org.tonle.programmes.xlsform;
