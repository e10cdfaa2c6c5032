# Safepath, interfaz web: español (completo).

## Page frame
app-name = Safepath
nav-skip = Ir al contenido
nav-label = Principal
nav-my-work = Mi trabajo
nav-cases = Casos
nav-register = Registrar a un niño o niña
nav-sign-out = Cerrar sesión

## Dates
date-long = { $day } de { $month } de { $year }
month-1 = enero
month-2 = febrero
month-3 = marzo
month-4 = abril
month-5 = mayo
month-6 = junio
month-7 = julio
month-8 = agosto
month-9 = septiembre
month-10 = octubre
month-11 = noviembre
month-12 = diciembre

## Sign in
sign-in-title = Iniciar sesión
sign-in-username = Nombre de usuario
sign-in-password = Contraseña
sign-in-submit = Entrar
sign-in-wrong = El nombre de usuario o la contraseña no son correctos. Revíselos e inténtelo de nuevo.
sign-in-throttled = Demasiados intentos. Espere unos minutos y vuelva a intentarlo.
sign-in-form-expired = El formulario había caducado. Inicie sesión de nuevo.
sign-in-expired = Se cerró su sesión tras { $minutes ->
    [one] un minuto
   *[other] { $shown } minutos
  } sin actividad, para proteger los datos de los niños y niñas. Inicie sesión de nuevo para continuar.
sign-in-signed-out = Ha cerrado la sesión.
sign-in-languages = Idioma

## My work
my-work-title = Mi trabajo
my-work-cases = Mis casos abiertos
my-work-open-count = Abiertos: { $count }
my-work-high-count = Riesgo alto: { $count }
my-work-no-cases = No tiene ningún caso abierto asignado.
my-work-identified = Identificado el
my-work-follow-ups = Seguimientos pendientes
my-work-approvals = Aprobaciones pendientes
my-work-coming = Esta lista aparecerá aquí con el flujo de gestión de casos.
my-work-no-case-role = Su función no da acceso a los casos de los niños y niñas.

## Case list
cases-title = Casos
cases-search-label = Nombre del niño o niña
cases-search-hint = Cualquier ortografía, cualquier orden, cualquier escritura.
cases-search-too-long = El nombre es demasiado largo para buscarlo.
cases-search-submit = Buscar
cases-filter-status = Etapa
cases-filter-risk = Riesgo
cases-filter-any = Todos
cases-summary = { $count ->
    [one] Un caso
   *[other] { $shown } casos
  } · página { $page } de { $pages }
cases-none = Ningún caso coincide.
cases-col-name = Nombre
cases-col-reference = Referencia
cases-col-risk = Riesgo
cases-col-status = Etapa
cases-col-identified = Identificado el
cases-pages = Páginas
cases-previous = Página anterior
cases-next = Página siguiente

## Registration
register-title = Registrar a un niño o niña
register-intro = Solo lo esencial: lo demás puede añadirse al caso más tarde.
register-errors = Corrija lo siguiente
register-child = El niño o niña
register-identification = Identificación
register-consent = Consentimiento
register-choose = Elegir…
register-unknown = Aún no se sabe
register-no-consent = Aún no dado
register-age-hint = Indique la fecha de nacimiento, o la edad estimada si no se conoce.
register-citizenship-hint = Códigos de país, como AL o NPL; separe varios con comas.
register-submit = Registrar

## Fields (registration and case page)
field-required = (obligatorio)
field-given-name = Nombre
field-family-name = Apellidos
field-sex = Sexo
field-date-of-birth = Fecha de nacimiento
field-estimated-age = Edad estimada (años)
field-age-disputed = La edad del niño o niña está en disputa
field-citizenship = Nacionalidad
field-identification-date = Fecha de identificación
field-place = Lugar de identificación
field-channel = Identificado a través de
field-risk = Nivel de riesgo
field-protection-status = Situación de protección
field-consent-given-by = Consentimiento a los servicios dado por

## Validation messages
error-given-name = Escriba el nombre del niño o niña (200 caracteres como máximo).
error-family-name = Los apellidos pueden tener 200 caracteres como máximo.
error-sex = Elija el sexo del niño o niña.
error-age = Indique la fecha de nacimiento (no futura) o la edad estimada, pero no ambas.
error-estimated-age = La edad estimada debe ser un número entero de años, de 0 a 25.
error-citizenship = Use códigos de país como AL, NP o NPL.
error-identification-date = Indique la fecha en que se identificó al niño o niña; no puede ser futura.
error-place = Indique dónde se identificó al niño o niña.
error-channel = Elija cómo se identificó al niño o niña.
error-risk = Elija el nivel de riesgo.
error-protection = Elija una situación de protección, o deje «aún no se sabe».
error-consent = Revise quién dio el consentimiento y la fecha de identificación.
error-invalid = Revise el formulario: algo no es válido.

## Error pages
error-not-found-title = No encontrado
error-not-found-body = Esta página no existe o no está abierta para usted.
error-forbidden-title = No permitido
error-forbidden-body = Su función no lo permite, o el formulario había caducado. Vuelva atrás, recargue la página e inténtelo de nuevo.
error-bad-request-title = Solicitud no comprendida
error-bad-request-body = La página no pudo leer lo enviado. Vuelva atrás e inténtelo de nuevo.
error-unavailable-title = No disponible
error-unavailable-body = Safepath se está reiniciando. Inténtelo de nuevo en un minuto.
error-internal-title = Algo salió mal
error-internal-body = Su trabajo no se guardó. Inténtelo de nuevo; si continúa, avise a su administrador.
error-back-home = Volver a Mi trabajo

## Case page
case-title = Caso { $reference }
case-section-identity = Identidad
case-section-identification = Identificación
case-section-consent = Consentimiento
case-section-assessments = Evaluaciones
case-section-best-interest = Evaluación y determinación del interés superior
case-section-plan = Plan de caso y servicios
case-section-referrals = Derivaciones y traslado
case-section-follow-ups = Seguimientos
case-section-notes = Notas
case-section-history = Historial
case-section-coming = Esta sección se abrirá con el flujo de gestión de casos.
case-other-names = Otros nombres
case-consent-table = Consentimientos registrados
case-no-consent = No hay consentimiento registrado: no se puede compartir nada.
case-consent-purpose = Para
case-consent-given-by = Dado por
case-consent-date = Fecha
case-consent-withheld = Reservas
case-yes = Sí
case-no = No

## Code lists
code-status-identified = Identificado
code-status-registered = Registrado
code-status-assessment = Evaluación
code-status-best_interest = Interés superior
code-status-case_plan = Plan de caso
code-status-implementation = Ejecución
code-status-follow_up = Seguimiento
code-status-closure_requested = Cierre solicitado
code-status-closed = Cerrado
code-status-transfer_requested = Traslado solicitado
code-status-transferred = Trasladado
code-status-duplicate = Duplicado
code-risk-high = Riesgo alto
code-risk-medium = Riesgo medio
code-risk-low = Riesgo bajo
code-sex-Feminine = Femenino
code-sex-Masculine = Masculino
code-sex-TransgenderFeminine = Transgénero femenino
code-sex-TransgenderMasculine = Transgénero masculino
code-sex-NonConforming = Género no conforme
code-sex-NonSpecifiedUnknown = No especificado o desconocido
code-channel-community_focal_point = Punto focal comunitario
code-channel-partner_referral = Derivación de un socio
code-channel-police = Policía
code-channel-outreach = Trabajo de calle
code-channel-hotline = Línea de ayuda
code-channel-self_referral = Por iniciativa propia
code-channel-school = Escuela
code-channel-health_service = Servicio de salud
code-channel-other = Otro
code-protection-unaccompanied = No acompañado
code-protection-separated = Separado
code-protection-accompanied = Acompañado
code-given-by-child = El niño o niña
code-given-by-parent = Un padre o madre
code-given-by-guardian = Un tutor
code-given-by-other = Otra persona
code-purpose-services = Servicios
code-purpose-sharing = Compartir con socios
code-purpose-tracing = Búsqueda familiar
code-purpose-deidentified_reporting = Informes anonimizados
