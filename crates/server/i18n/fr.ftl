# Safepath, interface web : français (complet).

## Page frame
app-name = Safepath
nav-skip = Aller au contenu
nav-label = Principal
nav-my-work = Mon travail
nav-cases = Dossiers
nav-register = Enregistrer un enfant
nav-sign-out = Se déconnecter

## Dates
date-long = { $day } { $month } { $year }
month-1 = janvier
month-2 = février
month-3 = mars
month-4 = avril
month-5 = mai
month-6 = juin
month-7 = juillet
month-8 = août
month-9 = septembre
month-10 = octobre
month-11 = novembre
month-12 = décembre

## Sign in
sign-in-title = Connexion
sign-in-username = Nom d'utilisateur
sign-in-password = Mot de passe
sign-in-submit = Se connecter
sign-in-wrong = Le nom d'utilisateur ou le mot de passe n'est pas correct. Vérifiez-les et réessayez.
sign-in-throttled = Trop de tentatives. Attendez quelques minutes, puis réessayez.
sign-in-form-expired = Le formulaire avait expiré. Veuillez vous reconnecter.
sign-in-expired = Vous avez été déconnecté·e après { $minutes ->
    [one] { $shown } minute
   *[other] { $shown } minutes
  } d'inactivité, pour protéger les données des enfants. Reconnectez-vous pour continuer.
sign-in-signed-out = Vous êtes déconnecté·e.
sign-in-languages = Langue

## My work
my-work-title = Mon travail
my-work-cases = Mes dossiers ouverts
my-work-open-count = Ouverts : { $count }
my-work-high-count = Risque élevé : { $count }
my-work-no-cases = Aucun dossier ouvert ne vous est attribué.
my-work-identified = Identifié le
my-work-follow-ups = Suivis à faire
my-work-approvals = Approbations en attente
my-work-coming = Cette liste apparaîtra ici avec le circuit de gestion des dossiers.
my-work-no-case-role = Votre rôle ne donne pas accès aux dossiers des enfants.

## Case list
cases-title = Dossiers
cases-search-label = Nom de l'enfant
cases-search-hint = Toute orthographe, tout ordre, toute écriture.
cases-search-too-long = Le nom est trop long pour être recherché.
cases-search-submit = Rechercher
cases-filter-status = Étape
cases-filter-risk = Risque
cases-filter-any = Tous
cases-summary = { $count ->
    [one] { $shown } dossier
   *[other] { $shown } dossiers
  } · page { $page } sur { $pages }
cases-none = Aucun dossier ne correspond.
cases-col-name = Nom
cases-col-reference = Référence
cases-col-risk = Risque
cases-col-status = Étape
cases-col-identified = Identifié le
cases-pages = Pages
cases-previous = Page précédente
cases-next = Page suivante

## Registration
register-title = Enregistrer un enfant
register-intro = L'essentiel seulement : le reste pourra être ajouté au dossier plus tard.
register-errors = Veuillez corriger ce qui suit
register-child = L'enfant
register-identification = Identification
register-consent = Consentement
register-choose = Choisir…
register-unknown = Pas encore connu
register-no-consent = Pas encore donné
register-age-hint = Indiquez la date de naissance, ou l'âge estimé si elle n'est pas connue.
register-citizenship-hint = Codes de pays, comme AL ou NPL ; séparez-en plusieurs par des virgules.
register-submit = Enregistrer

## Fields (registration and case page)
field-required = (obligatoire)
field-given-name = Prénom
field-family-name = Nom de famille
field-sex = Sexe
field-date-of-birth = Date de naissance
field-estimated-age = Âge estimé (années)
field-age-disputed = L'âge de l'enfant est contesté
field-citizenship = Nationalité
field-identification-date = Date d'identification
field-place = Lieu d'identification
field-channel = Identifié par
field-risk = Niveau de risque
field-protection-status = Situation de protection
field-consent-given-by = Consentement aux services donné par

## Validation messages
error-given-name = Indiquez le prénom de l'enfant (200 caractères au plus).
error-family-name = Le nom de famille compte 200 caractères au plus.
error-sex = Choisissez le sexe de l'enfant.
error-age = Indiquez la date de naissance (pas dans le futur) ou l'âge estimé, mais pas les deux.
error-estimated-age = L'âge estimé doit être un nombre entier d'années, de 0 à 25.
error-citizenship = Utilisez des codes de pays comme AL, NP ou NPL.
error-identification-date = Indiquez la date à laquelle l'enfant a été identifié ; elle ne peut pas être dans le futur.
error-place = Indiquez où l'enfant a été identifié.
error-channel = Choisissez comment l'enfant a été identifié.
error-risk = Choisissez le niveau de risque.
error-protection = Choisissez une situation de protection, ou laissez « pas encore connu ».
error-consent = Vérifiez qui a donné le consentement et la date d'identification.
error-invalid = Vérifiez le formulaire : quelque chose n'est pas valide.

## Error pages
error-not-found-title = Introuvable
error-not-found-body = Cette page n'existe pas, ou elle ne vous est pas ouverte.
error-forbidden-title = Non autorisé
error-forbidden-body = Votre rôle ne le permet pas, ou le formulaire avait expiré. Revenez en arrière, rechargez la page et réessayez.
error-bad-request-title = Demande incomprise
error-bad-request-body = La page n'a pas pu lire ce qui a été envoyé. Revenez en arrière et réessayez.
error-unavailable-title = Indisponible
error-unavailable-body = Safepath redémarre. Réessayez dans une minute.
error-internal-title = Un problème est survenu
error-internal-body = Votre travail n'a pas été enregistré. Réessayez ; si cela continue, prévenez votre administrateur.
error-back-home = Retour à Mon travail

## Case page
case-title = Dossier { $reference }
case-section-identity = Identité
case-section-identification = Identification
case-section-consent = Consentement
case-section-assessments = Évaluations
case-section-best-interest = Évaluation et détermination de l'intérêt supérieur
case-section-plan = Plan de prise en charge et services
case-section-referrals = Orientations et transfert
case-section-follow-ups = Suivis
case-section-notes = Notes
case-section-history = Historique
case-section-coming = Cette section s'ouvrira avec le circuit de gestion des dossiers.
case-other-names = Autres noms
case-consent-table = Consentements enregistrés
case-no-consent = Aucun consentement n'est enregistré : rien ne peut être partagé.
case-consent-purpose = Pour
case-consent-given-by = Donné par
case-consent-date = Date
case-consent-withheld = Réserves
case-yes = Oui
case-no = Non

## Code lists
code-status-identified = Identifié
code-status-registered = Enregistré
code-status-assessment = Évaluation
code-status-best_interest = Intérêt supérieur
code-status-case_plan = Plan de prise en charge
code-status-implementation = Mise en œuvre
code-status-follow_up = Suivi
code-status-closure_requested = Clôture demandée
code-status-closed = Clos
code-status-transfer_requested = Transfert demandé
code-status-transferred = Transféré
code-status-duplicate = Doublon
code-risk-high = Risque élevé
code-risk-medium = Risque moyen
code-risk-low = Risque faible
code-sex-Feminine = Féminin
code-sex-Masculine = Masculin
code-sex-TransgenderFeminine = Transgenre féminin
code-sex-TransgenderMasculine = Transgenre masculin
code-sex-NonConforming = Non conforme au genre
code-sex-NonSpecifiedUnknown = Non précisé ou inconnu
code-channel-community_focal_point = Point focal communautaire
code-channel-partner_referral = Orientation par un partenaire
code-channel-police = Police
code-channel-outreach = Travail de rue
code-channel-hotline = Ligne d'assistance
code-channel-self_referral = De sa propre initiative
code-channel-school = École
code-channel-health_service = Service de santé
code-channel-other = Autre
code-protection-unaccompanied = Non accompagné
code-protection-separated = Séparé
code-protection-accompanied = Accompagné
code-given-by-child = L'enfant
code-given-by-parent = Un parent
code-given-by-guardian = Un tuteur
code-given-by-other = Une autre personne
code-purpose-services = Services
code-purpose-sharing = Partage avec des partenaires
code-purpose-tracing = Recherche familiale
code-purpose-deidentified_reporting = Statistiques anonymisées
