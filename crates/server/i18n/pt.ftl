# Safepath, interface web: português (completo).

## Page frame
app-name = Safepath
nav-skip = Ir para o conteúdo
nav-label = Principal
nav-my-work = O meu trabalho
nav-cases = Casos
nav-register = Registar uma criança
nav-sign-out = Terminar sessão

## Dates
date-long = { $day } de { $month } de { $year }
month-1 = janeiro
month-2 = fevereiro
month-3 = março
month-4 = abril
month-5 = maio
month-6 = junho
month-7 = julho
month-8 = agosto
month-9 = setembro
month-10 = outubro
month-11 = novembro
month-12 = dezembro

## Sign in
sign-in-title = Iniciar sessão
sign-in-username = Nome de utilizador
sign-in-password = Palavra-passe
sign-in-submit = Entrar
sign-in-wrong = O nome de utilizador ou a palavra-passe não estão corretos. Verifique-os e tente de novo.
sign-in-throttled = Demasiadas tentativas. Aguarde alguns minutos e tente de novo.
sign-in-form-expired = O formulário tinha expirado. Inicie sessão de novo.
sign-in-expired = A sua sessão terminou após { $minutes ->
    [one] { $shown } minuto
   *[other] { $shown } minutos
  } sem atividade, para proteger os dados das crianças. Inicie sessão de novo para continuar.
sign-in-signed-out = Terminou a sessão.
sign-in-languages = Idioma

## My work
my-work-title = O meu trabalho
my-work-cases = Os meus casos abertos
my-work-open-count = Abertos: { $count }
my-work-high-count = Risco elevado: { $count }
my-work-no-cases = Não tem nenhum caso aberto atribuído.
my-work-identified = Identificado em
my-work-follow-ups = Acompanhamentos previstos
my-work-approvals = Aprovações pendentes
my-work-coming = Esta lista aparecerá aqui com o fluxo de gestão de casos.
my-work-no-case-role = A sua função não dá acesso aos casos das crianças.

## Case list
cases-title = Casos
cases-search-label = Nome da criança
cases-search-hint = Qualquer grafia, qualquer ordem, qualquer escrita.
cases-search-too-long = O nome é demasiado longo para pesquisar.
cases-search-submit = Pesquisar
cases-filter-status = Etapa
cases-filter-risk = Risco
cases-filter-any = Todos
cases-summary = { $count ->
    [one] { $shown } caso
   *[other] { $shown } casos
  } · página { $page } de { $pages }
cases-none = Nenhum caso corresponde.
cases-col-name = Nome
cases-col-reference = Referência
cases-col-risk = Risco
cases-col-status = Etapa
cases-col-identified = Identificado em
cases-pages = Páginas
cases-previous = Página anterior
cases-next = Página seguinte

## Registration
register-title = Registar uma criança
register-intro = Apenas o essencial: o resto pode ser acrescentado ao caso mais tarde.
register-errors = Corrija o seguinte
register-child = A criança
register-identification = Identificação
register-consent = Consentimento
register-choose = Escolher…
register-unknown = Ainda não se sabe
register-no-consent = Ainda não dado
register-age-hint = Indique a data de nascimento, ou a idade estimada se não for conhecida.
register-citizenship-hint = Códigos de país, como AL ou NPL; separe vários com vírgulas.
register-submit = Registar

## Fields (registration and case page)
field-required = (obrigatório)
field-given-name = Nome próprio
field-family-name = Apelido
field-sex = Sexo
field-date-of-birth = Data de nascimento
field-estimated-age = Idade estimada (anos)
field-age-disputed = A idade da criança é contestada
field-citizenship = Nacionalidade
field-identification-date = Data de identificação
field-place = Local de identificação
field-channel = Identificada através de
field-risk = Nível de risco
field-protection-status = Situação de proteção
field-consent-given-by = Consentimento para serviços dado por

## Validation messages
error-given-name = Escreva o nome próprio da criança (no máximo 200 caracteres).
error-family-name = O apelido pode ter no máximo 200 caracteres.
error-sex = Escolha o sexo da criança.
error-age = Indique a data de nascimento (não futura) ou a idade estimada, mas não ambas.
error-estimated-age = A idade estimada deve ser um número inteiro de anos, de 0 a 25.
error-citizenship = Use códigos de país como AL, NP ou NPL.
error-identification-date = Indique a data em que a criança foi identificada; não pode ser futura.
error-place = Indique onde a criança foi identificada.
error-channel = Escolha como a criança foi identificada.
error-risk = Escolha o nível de risco.
error-protection = Escolha uma situação de proteção, ou deixe «ainda não se sabe».
error-consent = Verifique quem deu o consentimento e a data de identificação.
error-invalid = Verifique o formulário: algo não é válido.

## Error pages
error-not-found-title = Não encontrado
error-not-found-body = Esta página não existe ou não está aberta para si.
error-forbidden-title = Não permitido
error-forbidden-body = A sua função não o permite, ou o formulário tinha expirado. Volte atrás, recarregue a página e tente de novo.
error-bad-request-title = Pedido não compreendido
error-bad-request-body = A página não conseguiu ler o que foi enviado. Volte atrás e tente de novo.
error-unavailable-title = Indisponível
error-unavailable-body = O Safepath está a reiniciar. Tente de novo dentro de um minuto.
error-internal-title = Algo correu mal
error-internal-body = O seu trabalho não foi guardado. Tente de novo; se continuar, avise o seu administrador.
error-back-home = Voltar a O meu trabalho

## Case page
case-title = Caso { $reference }
case-section-identity = Identidade
case-section-identification = Identificação
case-section-consent = Consentimento
case-section-assessments = Avaliações
case-section-best-interest = Avaliação e determinação do interesse superior
case-section-plan = Plano do caso e serviços
case-section-referrals = Encaminhamentos e transferência
case-section-follow-ups = Acompanhamentos
case-section-notes = Notas
case-section-history = Histórico
case-section-coming = Esta secção abrirá com o fluxo de gestão de casos.
case-other-names = Outros nomes
case-consent-table = Consentimentos registados
case-no-consent = Não há consentimento registado: nada pode ser partilhado.
case-consent-purpose = Para
case-consent-given-by = Dado por
case-consent-date = Data
case-consent-withheld = Reservas
case-yes = Sim
case-no = Não

## Code lists
code-status-identified = Identificado
code-status-registered = Registado
code-status-assessment = Avaliação
code-status-best_interest = Interesse superior
code-status-case_plan = Plano do caso
code-status-implementation = Execução
code-status-follow_up = Acompanhamento
code-status-closure_requested = Encerramento pedido
code-status-closed = Encerrado
code-status-transfer_requested = Transferência pedida
code-status-transferred = Transferido
code-status-duplicate = Duplicado
code-risk-high = Risco elevado
code-risk-medium = Risco médio
code-risk-low = Risco baixo
code-sex-Feminine = Feminino
code-sex-Masculine = Masculino
code-sex-TransgenderFeminine = Transgénero feminino
code-sex-TransgenderMasculine = Transgénero masculino
code-sex-NonConforming = Género não conforme
code-sex-NonSpecifiedUnknown = Não especificado ou desconhecido
code-channel-community_focal_point = Ponto focal comunitário
code-channel-partner_referral = Encaminhamento de um parceiro
code-channel-police = Polícia
code-channel-outreach = Trabalho de rua
code-channel-hotline = Linha de apoio
code-channel-self_referral = Por iniciativa própria
code-channel-school = Escola
code-channel-health_service = Serviço de saúde
code-channel-other = Outro
code-protection-unaccompanied = Não acompanhada
code-protection-separated = Separada
code-protection-accompanied = Acompanhada
code-given-by-child = A criança
code-given-by-parent = Um dos pais
code-given-by-guardian = Um tutor
code-given-by-other = Outra pessoa
code-purpose-services = Serviços
code-purpose-sharing = Partilha com parceiros
code-purpose-tracing = Localização da família
code-purpose-deidentified_reporting = Relatórios anonimizados
